package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.WatchCache;
import io.watchcache.spring.boot.availability.WatchCacheReadiness;
import io.watchcache.spring.boot.health.WatchCacheHealthIndicator;
import io.watchcache.spring.boot.health.WatchCacheHealthRule;
import io.watchcache.spring.boot.health.WatchCacheReadinessHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The {@code watchcache} health indicator (entries that lost contact) and the
 * {@code watchcacheReadiness} one (first values); {@code management.health.watchcache.enabled=false}
 * and {@code management.health.watchcachereadiness.enabled=false} turn them off.
 */
@AutoConfiguration(after = WatchCacheAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(WatchCache.class)
public final class WatchCacheHealthAutoConfiguration {

    /** One rule for every health component that reports entries (the configuration imports' too). */
    @Bean
    @ConditionalOnMissingBean
    WatchCacheHealthRule watchcacheHealthRule(WatchCacheProperties properties, Environment environment) {
        return healthRule(properties.getHealth(), environment);
    }

    /**
     * The health rule of the {@code watchcache.health.*} properties in {@code environment}, for a
     * component in a context without the starter's {@link WatchCacheHealthRule} bean (a
     * configuration import watched through a cache of its own).
     */
    public static WatchCacheHealthRule healthRule(Environment environment) {
        WatchCacheProperties properties = Binder.get(environment).bind("watchcache", WatchCacheProperties.class)
                .orElseGet(WatchCacheProperties::new);
        return healthRule(properties.getHealth(), environment);
    }

    private static WatchCacheHealthRule healthRule(WatchCacheProperties.Health health, Environment environment) {
        // Checked at startup (ConfigurationCheck); here only written as Boot writes status codes.
        return new WatchCacheHealthRule(health.getLostContactThreshold(),
                WatchCacheHealthRule.statusCode(health.getLostContactStatus()), showsValues(environment));
    }

    // On the methods, not the class: the condition lives in spring-boot-health, which may be absent.
    @Bean
    @ConditionalOnEnabledHealthIndicator("watchcache")
    @ConditionalOnMissingBean(name = "watchcacheHealthIndicator")
    WatchCacheHealthIndicator watchcacheHealthIndicator(WatchCache cache, WatchCacheHealthRule rule,
                                                        WatchCacheProperties properties) {
        return new WatchCacheHealthIndicator(cache, rule, properties.getHealth().isCountAllEntries());
    }

    /**
     * The endpoint's masking rule ({@code management.endpoint.watchcache.show-values}) applied to
     * health details. A health indicator does not know who asks, so {@code when-authorized}
     * masks here: only {@code always} shows keys and errors in health.
     */
    static boolean showsValues(Environment environment) {
        String show = Binder.get(environment).bind("management.endpoint.watchcache.show-values", String.class)
                .orElse("never");
        return String.valueOf(show).trim().replace('_', '-').equalsIgnoreCase("always");
    }

    @Bean
    @ConditionalOnEnabledHealthIndicator("watchcachereadiness")
    @ConditionalOnBean(WatchCacheReadiness.class)
    @ConditionalOnMissingBean(name = "watchcacheReadinessHealthIndicator")
    WatchCacheReadinessHealthIndicator watchcacheReadinessHealthIndicator(WatchCacheReadiness readiness) {
        return new WatchCacheReadinessHealthIndicator(readiness);
    }
}
