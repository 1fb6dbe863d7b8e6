package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheEventPublisher;
import io.watchcache.spring.boot.CacheOptionsCustomizer;
import io.watchcache.spring.boot.CacheUpdateEvent;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import io.watchcache.spring.boot.health.WatchCacheHealthIndicator;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WatchCacheAutoConfigurationTest {

    static final AutoConfigurations ALL = AutoConfigurations.of(WatchCacheAutoConfiguration.class,
            WatchCacheMetricsAutoConfiguration.class, WatchCacheEndpointAutoConfiguration.class,
            WatchCacheHealthAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ALL);

    @Configuration(proxyBeanMethods = false)
    static class Types {
        @Bean
        CacheType<CacheRequest, String> config() {
            return (options, request) -> FetchResult.of("value of " + request.cacheInfo().key(), 3);
        }

        @Bean
        CacheType<CacheRequest, Integer> counter() {
            return new CacheType<>() {
                @Override
                public FetchResult<Integer> fetch(FetchOptions<Integer> options, CacheRequest request) {
                    return FetchResult.of(42, 1);
                }

                @Override
                public RegisterOptions registerOptions() {
                    return RegisterOptions.builder().supportsBlocking(true).refresh(true)
                            .queryTimeout(Duration.ofMinutes(2)).build();
                }
            };
        }
    }

    private static RegisterOptions optionsOf(WatchCache cache, String type) {
        return cache.snapshot().types().stream().filter(t -> t.name().equals(type)).findFirst().orElseThrow()
                .options();
    }

    @Test
    void registersEveryCacheTypeBeanUnderItsBeanName() {
        runner.withUserConfiguration(Types.class).run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            assertThat(cache.snapshot().types()).extracting(CacheSnapshot.TypeView::name)
                    .containsExactly("config", "counter");
            Result<String> result = cache.<CacheRequest, String>type("config").get(() -> RequestInfo.of("a"));
            assertThat(result.value()).isEqualTo("value of a");
            assertThat(context).hasSingleBean(CacheEventPublisher.class).hasSingleBean(CacheWatchLifecycle.class);
        });
    }

    @Test
    void disabledMeansNoBeansAtAll() {
        runner.withUserConfiguration(Types.class).withPropertyValues("watchcache.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(WatchCache.class).doesNotHaveBean(CacheEventPublisher.class)
                    .doesNotHaveBean(WatchCacheEndpoint.class).doesNotHaveBean(WatchCacheHealthIndicator.class)
                    .doesNotHaveBean(CacheOptionsCustomizer.class);
        });
    }

    @Test
    void applicationsOwnWatchCacheIsUsedAndStillGetsTheTypes() {
        runner.withUserConfiguration(Types.class)
                .withBean("myCache", WatchCache.class, () -> new WatchCache(CacheOptions.builder()
                        .defaultLastGetTtl(Duration.ofMinutes(7)).build()))
                .run(context -> {
                    assertThat(context).hasSingleBean(WatchCache.class);
                    WatchCache cache = context.getBean(WatchCache.class);
                    assertThat(context.getBean("myCache")).isSameAs(cache);
                    assertThat(optionsOf(cache, "config").lastGetTtl()).isEqualTo(Duration.ofMinutes(7));
                });
    }

    @Test
    void propertiesSetTheCacheDefaultsAndPerTypeOverridesWin() {
        runner.withUserConfiguration(Types.class).withPropertyValues(
                "watchcache.default-last-get-ttl=5m",
                "watchcache.default-query-timeout=30s",
                "watchcache.types.counter.refresh=false",
                "watchcache.types.counter.last-get-ttl=1h",
                "watchcache.types.counter.consistent-reads=true",
                "watchcache.types.config.refresh-timer=15s").run(context -> {
                    WatchCache cache = context.getBean(WatchCache.class);
                    RegisterOptions config = optionsOf(cache, "config");
                    assertThat(config.lastGetTtl()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(config.queryTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(config.refreshTimer()).isEqualTo(Duration.ofSeconds(15));
                    RegisterOptions counter = optionsOf(cache, "counter");
                    assertThat(counter.supportsBlocking()).isTrue();
                    assertThat(counter.refresh()).isFalse();
                    assertThat(counter.queryTimeout()).isEqualTo(Duration.ofMinutes(2)); // the type's own
                    assertThat(counter.lastGetTtl()).isEqualTo(Duration.ofHours(1));
                    assertThat(counter.consistentReads()).isTrue();
                    assertThat(config.consistentReads()).isFalse();
                });
    }

    @Test
    void rateLimitPropertiesReachTheCache() {
        VersionedStore store = new VersionedStore();
        runner.withBean("kv", CacheType.class, () -> store.syncType(RegisterOptions.blockingRefresh(),
                VersionedStore.Versioned::value))
                .withPropertyValues("watchcache.entry-fetch-rate=2", "watchcache.entry-fetch-max-burst=1")
                .run(context -> {
                    WatchCache cache = context.getBean(WatchCache.class);
                    cache.<CacheRequest, Object>type("kv").get(() -> RequestInfo.of("k"));
                    // The refresh may fetch again only after 500 ms; writes in between wait for it.
                    store.put("k", "v1");
                    long start = System.nanoTime();
                    Result<Object> next = cache.<CacheRequest, Object>type("kv").get(() -> RequestInfo.builder()
                            .key("k").minIndex(1).build());
                    assertThat(next.value()).isEqualTo("v1");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));
                });
    }

    @Test
    void failureAnalyzerIsRegistered() throws Exception {
        var factories = SpringFactoriesLoader.forDefaultResourceLocation()
                .load(FailureAnalyzer.class, null,
                        // Boot's own analyzers need a bean factory; only ours matters here.
                        SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { }));
        assertThat(factories).hasAtLeastOneElementOfType(InvalidWatchCacheConfigurationFailureAnalyzer.class)
                .hasAtLeastOneElementOfType(UnknownCacheTypeFailureAnalyzer.class);
    }

    @Test
    void fetchesRunOnItsOwnNamedDaemonThreadsNotOnTheApplicationTaskExecutor() {
        CompletableFuture<Thread> fetchThread = new CompletableFuture<>();
        runner.withBean("t", CacheType.class, () -> (CacheType<CacheRequest, String>) (o, r) -> {
            fetchThread.complete(Thread.currentThread());
            return FetchResult.of("v", 1);
        }).run(context -> {
            context.getBean(WatchCache.class).<CacheRequest, Object>type("t").get(() -> RequestInfo.of("k"));
            Thread thread = fetchThread.get(5, TimeUnit.SECONDS);
            assertThat(thread.getName()).startsWith("watchcache-");
            assertThat(thread.isDaemon()).isTrue();
            if (Runtime.version().feature() >= 21) {
                assertThat((Boolean) Thread.class.getMethod("isVirtual").invoke(thread)).isFalse();
            }
            assertThat(context).doesNotHaveBean(Executor.class);
        });
    }

    @Test
    void virtualThreadsWhenSpringSaysSoOnJava21() {
        CompletableFuture<Thread> fetchThread = new CompletableFuture<>();
        runner.withBean("t", CacheType.class, () -> (CacheType<CacheRequest, String>) (o, r) -> {
            fetchThread.complete(Thread.currentThread());
            return FetchResult.of("v", 1);
        }).withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            context.getBean(WatchCache.class).<CacheRequest, Object>type("t").get(() -> RequestInfo.of("k"));
            Thread thread = fetchThread.get(5, TimeUnit.SECONDS);
            boolean expectVirtual = Runtime.version().feature() >= 21;
            boolean virtual = expectVirtual && (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
            assertThat(virtual).isEqualTo(expectVirtual);
            assertThat(thread.getName()).startsWith("watchcache-");
        });
    }

    @Test
    void customizersAdjustTheOptions() {
        runner.withUserConfiguration(Types.class)
                .withBean(CacheOptionsCustomizer.class, () -> b -> b.defaultLastGetTtl(Duration.ofSeconds(99)))
                .run(context -> assertThat(optionsOf(context.getBean(WatchCache.class), "config").lastGetTtl())
                        .isEqualTo(Duration.ofSeconds(99)));
    }

    @Test
    void contextCloseClosesTheCacheWithinASecondEvenWithBlockingQueriesPending() {
        VersionedStore store = new VersionedStore();
        WatchCache[] cache = new WatchCache[1];
        long[] closeNanos = new long[1];
        runner.withBean("kv", CacheType.class, () -> store.syncType(RegisterOptions.blockingRefresh(),
                VersionedStore.Versioned::value)).run(context -> {
            cache[0] = context.getBean(WatchCache.class);
            for (int i = 0; i < 50; i++) {
                cache[0].<CacheRequest, Object>type("kv").get(() -> RequestInfo.of("k" + Math.random()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> store.inFlight() >= 50);
            closeNanos[0] = System.nanoTime();
        });
        Duration took = Duration.ofNanos(System.nanoTime() - closeNanos[0]);
        assertThat(cache[0].isClosed()).isTrue();
        assertThat(took).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> store.inFlight() == 0);
    }

    @Test
    void runtimeHintsLetSpelReadTheEventsAccessorsAheadOfTime() {
        RuntimeHints hints = new RuntimeHints();
        new WatchCacheRuntimeHints().registerHints(hints, getClass().getClassLoader());

        for (String accessor : new String[] {"getCorrelationId", "getValue", "getMeta", "getError", "correlationId"}) {
            assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(CacheUpdateEvent.class, accessor))
                    .as(accessor).accepts(hints);
        }
    }
}
