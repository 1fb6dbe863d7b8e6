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
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Contributes the cache's meters ({@code watchcache.*}, tagged by type, and Micrometer's cache
 * vocabulary, {@code cache.*} tagged {@code cache=<type>}, unless
 * {@code watchcache.metrics.cache-meters=false}) to the application's {@link MeterRegistry}
 * through a {@link WatchCacheMeterBinder}, when there is a registry.
 */
@AutoConfiguration(before = WatchCacheAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({WatchCache.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "watchcache.enabled", matchIfMissing = true)
@EnableConfigurationProperties(WatchCacheProperties.class)
public final class WatchCacheMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    WatchCacheMeterBinder watchCacheMeterBinder() {
        return new WatchCacheMeterBinder();
    }

    @Bean
    @ConditionalOnMissingBean(name = "watchCacheMeterRegistryCustomizer")
    CacheOptionsCustomizer watchCacheMeterRegistryCustomizer(WatchCacheMeterBinder binder,
                                                             WatchCacheProperties properties) {
        return options -> options.meterRegistry(binder.registry())
                .cacheMeters(properties.getMetrics().isCacheMeters());
    }
}
