package io.watchcache.spring.boot;

import io.watchcache.WatchCache;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** The {@code watchcache} health indicator; {@code management.health.watchcache.enabled=false} turns it off. */
@AutoConfiguration(after = WatchCacheAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(WatchCache.class)
public final class WatchCacheHealthAutoConfiguration {

    // On the method, not the class: the condition lives in spring-boot-health, which may be absent.
    @Bean
    @ConditionalOnEnabledHealthIndicator("watchcache")
    @ConditionalOnMissingBean(name = "watchcacheHealthIndicator")
    WatchCacheHealthIndicator watchcacheHealthIndicator(WatchCache cache, WatchCacheProperties properties) {
        WatchCacheProperties.Health health = properties.getHealth();
        return new WatchCacheHealthIndicator(cache, health.getLostContactThreshold(), health.getLostContactStatus());
    }
}
