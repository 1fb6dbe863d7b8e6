package io.watchcache.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.watchcache.WatchCache;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers the cache's meters ({@code watchcache.*}, tagged by type) with the application's
 * {@link MeterRegistry}, when there is one.
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
    @ConditionalOnMissingBean(name = "watchCacheMeterRegistryCustomizer")
    CacheOptionsCustomizer watchCacheMeterRegistryCustomizer(MeterRegistry registry) {
        return options -> options.meterRegistry(registry);
    }
}
