package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheEventPublisher;
import io.watchcache.spring.boot.CacheOptionsCustomizer;
import io.watchcache.spring.boot.CacheUpdateEvent;
import io.watchcache.spring.boot.CacheWatch;
import io.watchcache.spring.boot.availability.WatchCacheReadiness;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.thread.Threading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;

import java.util.concurrent.Executor;

/**
 * Auto-configures a {@link WatchCache} from {@code watchcache.*}, registers every
 * {@code CacheType} bean under its name and declares its {@code TypedCache<R, V>} bean, runs
 * {@link CacheWatch} beans whose updates are published as {@link CacheUpdateEvent}s, and gets
 * the cache out of the way of shutdown (see {@link CacheWatchLifecycle}).
 *
 * <p>The cache runs on its own threads, never on Boot's {@code applicationTaskExecutor}: a
 * blocking query holds its thread for minutes and a bounded pool would starve. They are
 * virtual threads when {@code spring.threads.virtual.enabled=true} on Java 21+, else a pool of
 * daemon threads named {@code watchcache-*} that grows while its workers block
 * ({@link io.watchcache.CacheOptions#virtualThreads()}). The executor is deliberately not
 * a bean (an {@code Executor} bean would switch off Boot's own default task executor). An
 * application hands the cache its own by marking an executor bean
 * {@link io.watchcache.spring.boot.WatchCacheTaskExecutor @WatchCacheTaskExecutor} (declared
 * with {@code defaultCandidate = false}, Boot's stays); one that queues behind a fixed number of
 * threads fails startup.
 */
@AutoConfiguration(afterName =
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(WatchCache.class)
@ConditionalOnBooleanProperty(name = "watchcache.enabled", matchIfMissing = true)
@EnableConfigurationProperties(WatchCacheProperties.class)
@ImportRuntimeHints(WatchCacheRuntimeHints.class)
public final class WatchCacheAutoConfiguration {

    /** Registered by {@link #watchCacheConfigurationCheck} once the whole tree passed. */
    static final String TREE_CHECKED = "watchCacheConfigurationTreeChecked";

    @Bean
    @ConditionalOnMissingBean
    WatchCache watchCache(WatchCacheProperties properties, Environment environment,
                          ConfigurableListableBeanFactory beanFactory,
                          ObjectProvider<ObservationRegistry> observations,
                          ObjectProvider<CacheOptionsCustomizer> customizers) {
        CacheOptions.Builder options = CacheOptionsFactory.cacheOptions(properties,
                Threading.VIRTUAL.isActive(environment), new ConfigurationCheck(environment),
                CacheTypeRegistrar.cacheTypeBeanNames(beanFactory), beanFactory.containsSingleton(TREE_CHECKED));
        Executor executor = CacheExecutors.applicationExecutor(beanFactory);
        if (executor != null) {
            options.executor(executor);
        }
        observations.ifAvailable(options::observationRegistry);
        customizers.orderedStream().forEach(customizer -> customizer.customize(options));
        return new WatchCache(options.build());
    }

    /**
     * Checks the whole {@code watchcache.*} tree before any bean is made, so a typo fails startup
     * at once, before the web server is created, rather than when the cache is built seconds
     * later. The cache's own bean then checks only the options it applies.
     */
    @Bean
    static BeanFactoryPostProcessor watchCacheConfigurationCheck(Environment environment) {
        return beanFactory -> {
            WatchCacheProperties properties = Binder.get(environment)
                    .bindOrCreate("watchcache", WatchCacheProperties.class);
            CacheOptionsFactory.cacheOptions(properties, false, new ConfigurationCheck(environment),
                    CacheTypeRegistrar.cacheTypeBeanNames(beanFactory), false);
            // The cache's bean then checks only what it applies: reading every module's
            // configuration metadata and scanning the property sources once is enough.
            if (!beanFactory.containsSingleton(TREE_CHECKED)) {
                beanFactory.registerSingleton(TREE_CHECKED, Boolean.TRUE);
            }
        };
    }

    /** Keeps one throwing {@code @EventListener} of a {@link CacheUpdateEvent} from starving the others. */
    @Bean
    static CacheUpdateListenerFactory watchCacheUpdateListenerFactory(ObjectProvider<MeterRegistry> meters) {
        return new CacheUpdateListenerFactory(meters);
    }

    @Bean
    static CacheTypeRegistrar watchCacheTypeRegistrar() {
        return new CacheTypeRegistrar();
    }

    @Bean
    static TypedCacheRegistrar watchCacheTypedCacheRegistrar() {
        return new TypedCacheRegistrar();
    }

    @Bean
    @ConditionalOnMissingBean
    CacheEventPublisher cacheEventPublisher(WatchCache cache, ApplicationEventPublisher publisher,
                                            ConfigurableListableBeanFactory beanFactory) {
        return new CacheEventPublisher(cache, publisher, type -> CacheTypeBeans.valueType(beanFactory, type));
    }

    @Bean
    @ConditionalOnMissingBean
    CacheWatchLifecycle cacheWatchLifecycle(WatchCache cache, CacheEventPublisher publisher,
                                            ObjectProvider<CacheWatch> watches) {
        return new CacheWatchLifecycle(cache, publisher, watches);
    }

    @Bean
    @ConditionalOnMissingBean
    WatchCacheReadiness watchCacheReadiness(WatchCache cache, ConfigurableListableBeanFactory beanFactory,
                                            WatchCacheProperties properties) {
        WatchCacheProperties.Readiness readiness = properties.getReadiness();
        return new WatchCacheReadiness(cache, beanFactory, readiness.isAwaitFirstValue(), readiness.getTimeout());
    }
}
