package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.LiveValue;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheWatch;
import io.watchcache.spring.boot.availability.WatchCacheReadiness;
import io.watchcache.spring.boot.health.WatchCacheReadinessHealthIndicator;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Shutdown answers parked callers before the web server waits for them; readiness waits for first values. */
class ShutdownAndReadinessTest {

    private final VersionedStore store = new VersionedStore();
    private final GatedType kv = new GatedType(store.stringType());

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withPropertyValues("watchcache.backoff.max-wait=200ms")
            .withBean("kv", GatedType.class, () -> kv);

    /** The store's type, failing every fetch while it is unavailable. */
    static final class GatedType implements AsyncCacheType<CacheRequest, String> {
        private final AsyncCacheType<CacheRequest, String> store;
        volatile boolean unavailable;

        GatedType(AsyncCacheType<CacheRequest, String> store) {
            this.store = store;
        }

        @Override
        public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest request) {
            return unavailable ? CompletableFuture.failedFuture(new IOException("store unavailable"))
                    : store.fetchAsync(options, request);
        }

        @Override
        public RegisterOptions registerOptions() {
            return store.registerOptions();
        }
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /**
     * Stands in for the web server's graceful shutdown, which Boot runs as a lifecycle phase:
     * records which callers had their answer when it began to wait for requests.
     */
    static class GracefulShutdownProbe implements SmartLifecycle {
        final List<CompletableFuture<?>> callers = new ArrayList<>();
        volatile long answeredAtStop = -1;
        volatile boolean running;

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            answeredAtStop = callers.stream().filter(CompletableFuture::isDone).count();
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return SmartLifecycle.DEFAULT_PHASE - 1024; // WebServerGracefulShutdownLifecycle's phase
        }
    }

    @Test
    void closingTheContextAnswersEveryParkedCallerWithItsValueBeforeTheServerWaitsForRequests() throws Exception {
        long index = store.put("k", "v");
        List<CompletableFuture<Result<String>>> parked = new ArrayList<>();
        GracefulShutdownProbe probe = new GracefulShutdownProbe();
        WatchCache[] cache = new WatchCache[1];
        runner.withBean(GracefulShutdownProbe.class, () -> probe).run(context -> {
            cache[0] = context.getBean(WatchCache.class);
            TypedCache<CacheRequest, String> kv = cache[0].type("kv");
            kv.get(() -> RequestInfo.of("k"));
            for (int i = 0; i < 100; i++) {
                CompletableFuture<Result<String>> call = kv.getAsync(() -> RequestInfo.builder().key("k")
                        .minIndex(index).timeout(Duration.ofMinutes(5)).build());
                parked.add(call);
                probe.callers.add(call);
            }
            Thread.sleep(200);
            assertThat(parked).noneMatch(CompletableFuture::isDone);
        });
        assertThat(probe.answeredAtStop).isEqualTo(100);
        for (CompletableFuture<Result<String>> call : parked) {
            Result<String> result = call.get(1, TimeUnit.SECONDS);
            assertThat(result.value()).isEqualTo("v");
            assertThat(result.meta().index()).isEqualTo(index);
        }
        assertThat(cache[0].isClosed()).isTrue();
    }

    @Configuration(proxyBeanMethods = false)
    static class Declared {
        @Bean
        CacheWatch gatedWatch(TypedCache<CacheRequest, String> kv) {
            return CacheWatch.of(kv, () -> RequestInfo.of("gated"), "gated");
        }

        @Bean
        LiveValue<String> gatedLive(TypedCache<CacheRequest, String> kv) {
            return kv.live(() -> RequestInfo.of("gated-live"));
        }
    }

    @Test
    void readinessIsHeldUntilEveryDeclaredWatchAndLiveValueHasItsFirstValue() {
        kv.unavailable = true;
        runner.withUserConfiguration(Declared.class)
                .withPropertyValues("watchcache.readiness.await-first-value=true", "watchcache.readiness.timeout=1m")
                .run(context -> {
                    WatchCacheReadiness readiness = context.getBean(WatchCacheReadiness.class);
                    WatchCacheReadinessHealthIndicator health =
                            context.getBean(WatchCacheReadinessHealthIndicator.class);
                    CompletableFuture<Void> runnerDone = runInBackground(readiness);
                    Thread.sleep(300);
                    assertThat(runnerDone).isNotDone();
                    assertThat(readiness.missing()).containsExactlyInAnyOrder("watch gatedWatch (kv: gated)",
                            "live value gatedLive");
                    assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

                    kv.unavailable = false;
                    store.put("gated", "a");
                    store.put("gated-live", "b");

                    runnerDone.get(10, TimeUnit.SECONDS);
                    assertThat(readiness.missing()).isEmpty();
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                });
    }

    @Test
    void afterTheTimeoutTheApplicationIsReadyAnywayAndTheMissingOnesAreStillListed() {
        kv.unavailable = true;
        runner.withUserConfiguration(Declared.class)
                .withPropertyValues("watchcache.readiness.await-first-value=true", "watchcache.readiness.timeout=300ms")
                .run(context -> {
                    WatchCacheReadiness readiness = context.getBean(WatchCacheReadiness.class);
                    long start = System.nanoTime();
                    readiness.run(new DefaultApplicationArguments());
                    assertThat(Duration.ofNanos(System.nanoTime() - start))
                            .isGreaterThanOrEqualTo(Duration.ofMillis(250));
                    assertThat(readiness.isHolding()).isFalse();
                    var health = context.getBean(WatchCacheReadinessHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails().get("awaitingFirstValue").toString()).contains("gatedWatch");
                });
    }

    @Test
    void withoutAwaitFirstValueTheRunnerReturnsAtOnce() {
        kv.unavailable = true;
        runner.withUserConfiguration(Declared.class).run(context -> {
            WatchCacheReadiness readiness = context.getBean(WatchCacheReadiness.class);
            CompletableFuture<Void> done = runInBackground(readiness);
            done.get(2, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(2)).until(() -> !readiness.isHolding());
        });
    }

    /** Runs the readiness runner as Spring Boot would after startup, on another thread. */
    private static CompletableFuture<Void> runInBackground(WatchCacheReadiness readiness) {
        return CompletableFuture.runAsync(() -> {
            try {
                readiness.run(new DefaultApplicationArguments());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
