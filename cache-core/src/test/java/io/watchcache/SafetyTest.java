package io.watchcache;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
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
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            RequestInfo info = RequestInfo.builder().key("k").token(TOKEN).build();
            t.get(req(info));
            Subscription watch = t.watch(req(info.toBuilder().mustRevalidate(true).build()), "c", e -> {
                throw new IllegalStateException("listener failure for " + e.correlationId());
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> CapturedLogs.all().contains("listener failure for c"));
            // A read that waits on the entry and ends in its fetch's error (or its timeout): what it
            // throws is checked here, on the test's thread, where a failed assertion fails the test.
            Throwable thrown = TestSupport.onThread(() -> {
                try {
                    t.get(req(info.toBuilder().minIndex(1).timeout(Duration.ofSeconds(1)).build()));
                    return null;
                } catch (Exception e) {
                    return e;
                }
            }).result().get(10, TimeUnit.SECONDS);
            for (Throwable e = thrown; e != null; e = e.getCause()) {
                assertThat(e.toString()).doesNotContain(TOKEN);
            }

            assertThat(info.toString()).doesNotContain(TOKEN).contains(RequestInfo.MASK);
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
            TypedCache<CacheRequest, String> t = cache.register("t", ScriptedType.plain());
            assertThatThrownBy(() -> cache.register(null, ScriptedType.plain()))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("type name");
            assertThatThrownBy(() -> cache.register(" ", ScriptedType.plain()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
            assertThatThrownBy(() -> cache.register("t", ScriptedType.plain()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
            assertThatThrownBy(() -> cache.register("x", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
            assertThatThrownBy(() -> cache.type("nope"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown cache type 'nope'")
                    .hasMessageContaining("[t]");
            assertThatThrownBy(() -> t.get(null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("request");
            assertThatThrownBy(() -> t.get(() -> null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("cacheInfo");
            assertThatThrownBy(() -> t.watch(req("k"), "c", null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("listener");
            assertThatThrownBy(() -> t.watch(req("k"), null, e -> { }))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("correlationId");
            assertThatThrownBy(() -> t.prepopulate(RequestInfo.of(""), FetchResult.of("v", 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> t.prepopulate(RequestInfo.of("k"), FetchResult.unchanged(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unchanged");
            // A blank key means "do not cache": there is no entry to watch or hold.
            assertThatThrownBy(() -> t.watch(req(RequestInfo.builder().key(" ").maxAge(Duration.ofSeconds(1))
                    .build()), "c", e -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank key");
            assertThatThrownBy(() -> t.live(req("")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank key");
            assertThat(cache.snapshot().watches()).isEmpty();
        }
        assertThatThrownBy(() -> RequestInfo.builder().key("k").timeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> RequestInfo.builder().key("k").maxAge(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> RequestInfo.builder().key("k").minIndex(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIndex");
        // Builders refuse in the setter, where the mistake is made, not later in build().
        assertThatThrownBy(() -> RegisterOptions.builder().queryTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queryTimeout");
        assertThatThrownBy(() -> RegisterOptions.builder().refreshTimer(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refreshTimer");
        assertThatThrownBy(() -> RegisterOptions.builder().lastGetTtl(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lastGetTtl");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchRate(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchRate");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchRate(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchRate");
        assertThatThrownBy(() -> CacheOptions.builder().entryFetchMaxBurst(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entryFetchMaxBurst");
        assertThatThrownBy(() -> CacheOptions.builder().backoffMaxWait(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoffMaxWait");
        assertThatThrownBy(() -> CacheOptions.builder().defaultLastGetTtl(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defaultLastGetTtl");
        // One vocabulary: each refusal is typed, with the option's API name, the value and the reason.
        assertThatThrownBy(() -> CacheOptions.builder().backoffMaxWait(Duration.ofSeconds(-5)))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> {
                    assertThat(e.option()).isEqualTo("backoffMaxWait");
                    assertThat(e.value()).isEqualTo(Duration.ofSeconds(-5));
                    assertThat(e.reason()).isEqualTo("must be positive");
                });
        assertThatThrownBy(() -> CacheOptions.builder().maxEntries(0))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.reason())
                        .isEqualTo("must be at least 1"));
        assertThatThrownBy(() -> CacheOptions.builder().defaultQueryTimeout(null))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.reason())
                        .isEqualTo("must be set"));
        assertThat(CacheOptions.builder().defaultQueryTimeout(Duration.ofDays(100_000)).build().defaultQueryTimeout())
                .isEqualTo(CacheOptions.MAX_DURATION);
        assertThatThrownBy(() -> new FetchResult<>("v", null, 1, true, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notModified or unchanged");
    }

    @Test
    void hugeDurationsAreClampedNeverOverflow() throws Exception {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        assertThat(RequestInfo.builder().key("k").timeout(forever).maxAge(forever).build().timeout())
                .isEqualTo(CacheOptions.MAX_DURATION);
        assertThat(RegisterOptions.builder().queryTimeout(forever).lastGetTtl(forever).refreshTimer(forever).build())
                .isEqualTo(new RegisterOptions(false, false, CacheOptions.MAX_DURATION, CacheOptions.MAX_DURATION,
                        CacheOptions.MAX_DURATION));
        assertThat(CacheOptions.builder().defaultQueryTimeout(forever).defaultLastGetTtl(forever)
                .backoffMaxWait(forever).build().defaultQueryTimeout()).isEqualTo(CacheOptions.MAX_DURATION);
        // And they work end to end: a type with "forever" timeouts, a caller waiting "forever".
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true)
                .queryTimeout(forever).lastGetTtl(forever).build()).answer("v", 1);
        try (WatchCache cache = new WatchCache(CacheOptions.builder().defaultQueryTimeout(forever).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            assertThat(t.get(req(RequestInfo.builder().key("k").timeout(forever).build())).value()).isEqualTo("v");
            assertThat(t.options().queryTimeout()).isEqualTo(CacheOptions.MAX_DURATION);
        }
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
        CompletableFuture<Thread> fetchThread = new CompletableFuture<>();
        try (WatchCache cache = new WatchCache(options)) {
            TypedCache<CacheRequest, String> t = cache.register("t", (CacheType<CacheRequest, String>) (o, r) -> {
                fetchThread.complete(Thread.currentThread());
                return FetchResult.of("v", 1);
            });
            t.get(req("k"));
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
