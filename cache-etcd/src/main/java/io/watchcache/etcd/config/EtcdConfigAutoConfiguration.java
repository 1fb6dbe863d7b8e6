package io.watchcache.etcd.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.AwaitedFirstValues;
import io.watchcache.spring.boot.autoconfigure.WatchCacheHealthAutoConfiguration;
import io.watchcache.spring.boot.health.WatchCacheHealthRule;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Keeps {@code spring.config.import=watchcache-etcd:<prefix>} property sources current after
 * startup, when there are any (the imports hand their sources to the context as a bean).
 */
@AutoConfiguration(afterName = {"io.watchcache.spring.boot.autoconfigure.WatchCacheAutoConfiguration",
        "io.watchcache.spring.boot.autoconfigure.WatchCacheHealthAutoConfiguration"})
@ConditionalOnBean(name = EtcdConfigSources.BEAN_NAME)
public final class EtcdConfigAutoConfiguration {

    @Bean
    EtcdConfigWatcher watchcacheEtcdConfigWatcher(@Qualifier(EtcdConfigSources.BEAN_NAME) EtcdConfigSources sources,
                                                  ObjectProvider<WatchCache> cache, ApplicationContext context,
                                                  ObjectProvider<SanitizingFunction> sanitizingFunctions) {
        return new EtcdConfigWatcher(sources, cache, context, sanitizingFunctions.orderedStream().toList());
    }

    /** With the starter: readiness ({@code watchcache.readiness.await-first-value}) waits for the imports too. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(AwaitedFirstValues.class)
    static class Readiness {

        @Bean
        AwaitedFirstValues etcdConfigImports(@Qualifier(EtcdConfigSources.BEAN_NAME) EtcdConfigSources sources) {
            return sources::unanswered;
        }
    }

    /** {@code watchcache.etcd.config.invalid.keys}: keys under the imported prefixes that do not parse now. */
    @Bean
    MeterBinder watchcacheEtcdConfigMeters(@Qualifier(EtcdConfigSources.BEAN_NAME) EtcdConfigSources sources) {
        return registry -> Gauge.builder("watchcache.etcd.config.invalid.keys", sources,
                        EtcdConfigSources::invalidKeys)
                .description("Keys under the imported prefixes that do not parse; the last good values serve")
                .register(registry);
    }

    /**
     * The {@code etcdConfig} health component ({@code management.health.etcdconfig.enabled=false}
     * turns it off), judged by the starter's health rule: the {@code watchcache} bean when the
     * application has a cache, else the same rule read from {@code watchcache.health.*}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthIndicator.class, WatchCacheHealthRule.class})
    static class Health {

        @Bean
        @ConditionalOnEnabledHealthIndicator("etcdconfig")
        EtcdConfigHealthIndicator etcdConfigHealthIndicator(
                @Qualifier(EtcdConfigSources.BEAN_NAME) EtcdConfigSources sources, EtcdConfigWatcher watcher,
                ObjectProvider<WatchCacheHealthRule> rule, Environment environment) {
            return new EtcdConfigHealthIndicator(sources, watcher,
                    rule.getIfAvailable(() -> WatchCacheHealthAutoConfiguration.healthRule(environment)),
                    WatchCacheHealthRule.statusCode(sources.properties().getConfig().getInvalidKeysStatus()));
        }
    }
}
