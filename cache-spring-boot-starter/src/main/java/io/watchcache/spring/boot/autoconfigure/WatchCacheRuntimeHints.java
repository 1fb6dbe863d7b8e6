package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.spring.boot.CacheUpdateEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What the starter reaches by reflection, for ahead-of-time processing and native images:
 * {@link CacheUpdateEvent}'s accessors, which {@code @EventListener(condition = "#event.correlationId == 'web'")}
 * reads through SpEL, and the configuration metadata the strict check reads its known keys from
 * ({@link KnownProperties}). Endpoint responses and configuration properties get their hints from
 * Spring Boot itself.
 */
class WatchCacheRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        hints.reflection().registerType(CacheUpdateEvent.class, MemberCategory.INVOKE_PUBLIC_METHODS);
        hints.resources().registerPattern(KnownProperties.METADATA);
    }
}
