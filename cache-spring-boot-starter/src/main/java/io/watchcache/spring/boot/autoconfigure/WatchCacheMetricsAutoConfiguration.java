package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheOptionsCustomizer;
import io.watchcache.spring.boot.metrics.WatchCacheMeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Contributes the cache's meters ({@code watchcache.*}, tagged by type) to the application's
 * {@link MeterRegistry} through a {@link WatchCacheMeterBinder}, when there is a registry.
 */
@AutoConfiguration(before = WatchCacheAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({WatchCache.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "watchcache.enabled", matchIfMissing = true)
public final class WatchCacheMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    WatchCacheMeterBinder watchCacheMeterBinder() {
        return new WatchCacheMeterBinder();
    }

    @Bean
    @ConditionalOnMissingBean(name = "watchCacheMeterRegistryCustomizer")
    CacheOptionsCustomizer watchCacheMeterRegistryCustomizer(WatchCacheMeterBinder binder) {
        return options -> options.meterRegistry(binder.registry());
    }
}
