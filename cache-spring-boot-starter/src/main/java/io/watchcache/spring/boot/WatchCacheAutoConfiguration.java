package io.watchcache.spring.boot;

import io.watchcache.CacheOptions;
import io.watchcache.WatchCache;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Auto-configures a {@link WatchCache} from {@code watchcache.*}, registers every
 * {@code CacheType} bean under its name, and runs {@link CacheWatch} beans whose updates are
 * published as {@link CacheUpdateEvent}s.
 *
 * <p>The cache runs on its own threads, never on Boot's {@code applicationTaskExecutor}: a
 * blocking query holds its thread for minutes and a bounded pool would starve. They are
 * virtual threads when {@code spring.threads.virtual.enabled=true} on Java 21+, else an
 * unbounded pool of daemon threads named {@code watchcache-*}. The executor is deliberately not
 * a bean (an {@code Executor} bean would switch off Boot's own default task executor).
 */
@AutoConfiguration
@ConditionalOnClass(WatchCache.class)
@ConditionalOnBooleanProperty(name = "watchcache.enabled", matchIfMissing = true)
@EnableConfigurationProperties(WatchCacheProperties.class)
public final class WatchCacheAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    WatchCache watchCache(WatchCacheProperties properties, Environment environment,
                          ObjectProvider<CacheOptionsCustomizer> customizers) {
        CacheOptions.Builder options = CacheOptionsFactory.cacheOptions(properties,
                Threading.VIRTUAL.isActive(environment));
        customizers.orderedStream().forEach(customizer -> customizer.customize(options));
        return new WatchCache(options.build());
    }

    @Bean
    static CacheTypeRegistrar watchCacheTypeRegistrar() {
        return new CacheTypeRegistrar();
    }

    @Bean
    @ConditionalOnMissingBean
    CacheEventPublisher cacheEventPublisher(WatchCache cache, ApplicationEventPublisher publisher,
                                            ConfigurableListableBeanFactory beanFactory) {
        return new CacheEventPublisher(cache, publisher, beanFactory);
    }

    @Bean
    @ConditionalOnMissingBean
    CacheWatchLifecycle cacheWatchLifecycle(CacheEventPublisher publisher, ObjectProvider<CacheWatch> watches) {
        return new CacheWatchLifecycle(publisher, watches);
    }
}
