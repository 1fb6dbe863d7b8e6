package io.watchcache.etcd.config;

import io.watchcache.WatchCache;
import io.watchcache.spring.boot.AwaitedFirstValues;
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

/**
 * Keeps {@code spring.config.import=watchcache-etcd:<prefix>} property sources current after
 * startup, when there are any (the imports hand their sources to the context as a bean).
 */
@AutoConfiguration(afterName = "io.watchcache.spring.boot.autoconfigure.WatchCacheAutoConfiguration")
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

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {

        @Bean
        @ConditionalOnEnabledHealthIndicator("etcdconfig")
        EtcdConfigHealthIndicator etcdConfigHealthIndicator(
                @Qualifier(EtcdConfigSources.BEAN_NAME) EtcdConfigSources sources, EtcdConfigWatcher watcher) {
            return new EtcdConfigHealthIndicator(sources, watcher);
        }
    }
}
