package io.watchcache;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Bad input gets clear errors; tokens never leak. */
class SafetyTest {

    private static final String TOKEN = "s3cr3t-t0k3n-value";

    @Test
    void tokenNeverAppearsInToStringSnapshotsMetricsOrLogs() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScriptedType type = ScriptedType.blocking().answer("v", 1).fail(new IOException("boom"));
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build())) {
            cache.registerType("t", type);
            RequestInfo info = RequestInfo.builder().key("k").token(TOKEN).build();
            cache.get("t", req(info));
            Subscription watch = cache.notify("t", req(info.toBuilder().mustRevalidate(true).build()), "c", e -> {
                throw new IllegalStateException("listener failure for " + e.correlationId());
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> CapturedLogs.all().contains("listener failure for c"));
            Thread failure = new Thread(() -> {
                try {
                    cache.get("t", req(info.toBuilder().minIndex(1).timeout(Duration.ofSeconds(1)).build()));
                } catch (Exception e) {
                    assertThat(e.toString()).doesNotContain(TOKEN);
                }
            });
            failure.start();
            failure.join(10_000);

            assertThat(info.toString()).doesNotContain(TOKEN).contains("<redacted>");
            assertThat(cache.snapshot().toString()).doesNotContain(TOKEN);
            assertThat(watch.toString()).doesNotContain(TOKEN);
            for (Meter meter : registry.getMeters()) {
                assertThat(meter.getId().toString()).doesNotContain(TOKEN);
                assertThat(meter.getId().getTags()).noneMatch(tag -> tag.getValue().equals("k"));
            }
        }
        assertThat(CapturedLogs.all()).doesNotContain(TOKEN);
    }

    @Test
    void badArgumentsAreRejectedWithMessagesNamingThem() {
        try (WatchCache cache = WatchCache.create()) {
            cache.registerType("t", ScriptedType.plain());
            assertThatThrownBy(() -> cache.registerType(null, ScriptedType.plain()))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("type name");
            assertThatThrownBy(() -> cache.registerType(" ", ScriptedType.plain()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
            assertThatThrownBy(() -> cache.registerType("t", ScriptedType.plain()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
            assertThatThrownBy(() -> cache.registerType("x", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
            assertThatThrownBy(() -> cache.get("nope", req("k")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown cache type 'nope'");
            assertThatThrownBy(() -> cache.get("t", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("request");
            assertThatThrownBy(() -> cache.get("t", () -> null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("cacheInfo");
            assertThatThrownBy(() -> cache.notify("t", req("k"), "c", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("listener");
            assertThatThrownBy(() -> cache.notify("t", req("k"), null, e -> { }))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("correlationId");
            assertThatThrownBy(() -> cache.prepopulate("t", FetchResult.of("v", 1), null, null, ""))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        }
        assertThatThrownBy(() -> RequestInfo.builder().key("k").timeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> RequestInfo.builder().key("k").maxAge(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> RequestInfo.builder().key("k").minIndex(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIndex");
        assertThatThrownBy(() -> RegisterOptions.builder().queryTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queryTimeout");
        assertThatThrownBy(() -> RegisterOptions.builder().refreshTimer(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refreshTimer");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchRate(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchRate");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchRate(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchRate");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchMaxBurst(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchMaxBurst");
        assertThatThrownBy(() -> CacheOptions.builder().backoffMaxWait(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoffMaxWait");
        assertThatThrownBy(() -> CacheOptions.builder().defaultLastGetTtl(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("defaultLastGetTtl");
    }

    @Test
    void aBoundedQueuingPoolIsRefusedAsExecutor() {
        ThreadPoolExecutor starving = new ThreadPoolExecutor(4, 4, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        ThreadPoolExecutor bounded = new ThreadPoolExecutor(1, 4, 1, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10));
        ThreadPoolExecutor handOff = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS,
                new SynchronousQueue<>());
        try {
            assertThatThrownBy(() -> CacheOptions.builder().executor(starving))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starve");
            assertThatThrownBy(() -> CacheOptions.builder().executor(bounded))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(CacheOptions.builder().executor(handOff).build().executor()).isSameAs(handOff);
        } finally {
            starving.shutdown();
            bounded.shutdown();
            handOff.shutdown();
        }
    }

    /** The thread a fetch of a cache built with {@code options} runs on. */
    private static Thread fetchThreadOf(CacheOptions options) throws Exception {
        java.util.concurrent.CompletableFuture<Thread> fetchThread = new java.util.concurrent.CompletableFuture<>();
        try (WatchCache cache = new WatchCache(options)) {
            cache.registerType("t", (CacheType<CacheRequest, String>) (o, r) -> {
                fetchThread.complete(Thread.currentThread());
                return FetchResult.of("v", 1);
            });
            cache.get("t", req("k"));
        }
        return fetchThread.get(5, TimeUnit.SECONDS);
    }

    private static boolean isVirtual(Thread thread) throws Exception {
        return Runtime.version().feature() >= 21 && (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
    }

    @Test
    void platformThreadsCanBeChosenForTheCachesOwnExecutor() throws Exception {
        Thread thread = fetchThreadOf(CacheOptions.builder().virtualThreads(false).build());

        assertThat(thread.getName()).startsWith("watchcache-");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(isVirtual(thread)).isFalse();
    }

    @Test
    void defaultExecutorUsesVirtualThreadsWhereTheJvmHasThemElseNamedDaemonThreads() throws Exception {
        Thread thread = fetchThreadOf(CacheOptions.defaults());

        assertThat(thread.getName()).startsWith("watchcache-");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(isVirtual(thread)).isEqualTo(Runtime.version().feature() >= 21);
    }
}
