package io.watchcache.spring.boot;

import io.watchcache.CacheOptions;

/**
 * Adjusts the {@link CacheOptions} of the auto-configured cache after the {@code watchcache.*}
 * properties are applied: declare one as a bean. Customizers run in {@code @Order}.
 */
@FunctionalInterface
public interface CacheOptionsCustomizer {

    void customize(CacheOptions.Builder builder);
}
