package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.testing.Flavor;
import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.StoppedObservations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class MetricsAndSnapshotTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double counter(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? -1 : counter.count();
    }

    private long timerCount(String... tags) {
        var timer = registry.find("watchcache.fetch").tags(tags).timer();
        return timer == null ? -1 : timer.count();
    }

    private double gauge(String name, String type) {
        var gauge = registry.find(name).tag("type", type).gauge();
        return gauge == null ? -1 : gauge.value();
    }

    /** A meter of Micrometer's cache vocabulary for cache {@code type}; -1 when absent. */
    private double cacheMeter(String name, String type, String... tags) {
        var search = registry.find(name).tags("cache", type, "cacheManager", "watchcache").tags(tags);
        var functionCounter = search.functionCounter();
        if (functionCounter != null) {
            return functionCounter.count();
        }
        var gauge = search.gauge();
        return gauge == null ? -1 : gauge.value();
    }

    @Test
    void eachTypeSpeaksMicrometersCacheVocabularyCountedExactly() throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 1).answer("v2", 2)
                .answer(o -> FetchResult.unchanged(2));
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).ticker(ticker)
                .build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type,
                    RegisterOptions.builder().lastGetTtl(Duration.ofSeconds(10)).build());
            t.get(req("k"));                       // miss, put (v1)
            t.get(req("k"));                       // hit
            t.get(req("k"));                       // hit
            t.get(blockingReq("k", 1, null));      // miss, put (v2)
            t.get(blockingReq("k", 2, Duration.ofMillis(300)));  // miss: "nothing new" is no put
            t.prepopulate(RequestInfo.of("p"), FetchResult.of("pre", 7));  // put
            t.get(req("p"));                       // hit

            assertThat(cacheMeter("cache.gets", "t", "result", "hit")).isEqualTo(3);
            assertThat(cacheMeter("cache.gets", "t", "result", "miss")).isEqualTo(3);
            assertThat(cacheMeter("cache.puts", "t")).isEqualTo(3);
            assertThat(cacheMeter("cache.size", "t")).isEqualTo(2);
            assertThat(cacheMeter("cache.evictions", "t")).isZero();

            // An explicit evict is not an eviction (as in Caffeine); an idle entry's removal is.
            cache.evict(cache.snapshot().entries().stream().filter(e -> e.key().equals("p")).findFirst()
                    .orElseThrow().id());
            ticker.advance(Duration.ofSeconds(11));
            // The idle sweep (one a second, on the real scheduler) removes it.
            await().atMost(Duration.ofSeconds(5)).until(() -> cacheMeter("cache.size", "t") == 0);
            assertThat(cacheMeter("cache.evictions", "t")).isEqualTo(1);
        }
    }

    @Test
    void theCacheVocabularyCanBeTurnedOff() {
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).cacheMeters(false)
                .build())) {
            cache.register("t", ScriptedType.plain().answer("v", 1));

            assertThat(registry.find("cache.gets").meters()).isEmpty();
            assertThat(registry.find("watchcache.gets").meters()).isNotEmpty();
        }
    }

    @Test
    void getsFetchesEntriesWatchesAndNotificationsAreCounted() throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 1).answer("v2", 2)
                .answer(o -> FetchResult.notModified(3)).fail(new IOException("x"));
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req("k"));                       // miss
            t.get(req("k"));                       // hit
            t.get(blockingReq("k", 1, null));      // miss_block -> v2
            t.get(blockingReq("k", 2, null));      // miss_block -> not modified
            try {
                t.get(blockingReq("k", 3, null));  // miss_block -> error
            } catch (FetchFailedException expected) {
                // counted below
            }
            TypedCache<CacheRequest, String> b = cache.register("b", ScriptedType.plain().answer("x", 1));
            b.get(req(""));                        // bypass

            assertThat(counter("watchcache.gets", "type", "t", "result", "miss")).isEqualTo(1);
            assertThat(counter("watchcache.gets", "type", "t", "result", "hit")).isEqualTo(1);
            assertThat(counter("watchcache.gets", "type", "t", "result", "miss_block")).isEqualTo(3);
            assertThat(counter("watchcache.gets", "type", "b", "result", "bypass")).isEqualTo(1);
            assertThat(timerCount("type", "t", "outcome", "success")).isEqualTo(2);
            assertThat(timerCount("type", "t", "outcome", "not_modified")).isEqualTo(1);
            assertThat(timerCount("type", "t", "outcome", "error")).isEqualTo(1);
            assertThat(gauge("watchcache.entries", "t")).isEqualTo(1);
            assertThat(gauge("watchcache.entries", "b")).isZero();

            type.answer("v3", 4);
            Subscription watch = t.watch(req("k"), "c", e -> { });
            assertThat(gauge("watchcache.watches", "t")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> counter("watchcache.notifications", "type", "t") >= 1);
            watch.cancel();
            assertThat(gauge("watchcache.watches", "t")).isZero();

            cache.evict(cache.snapshot().entries().get(0).id());
            await().atMost(Duration.ofSeconds(5)).until(() -> gauge("watchcache.entries", "t") == 0);
            assertThat(counter("watchcache.evictions", "type", "t", "cause", "explicit")).isEqualTo(1);
        }
    }

    @Test
    void uncachedFetchesAreCountedLikeCachedOnes() throws Exception {
        ScriptedType type = ScriptedType.plain().answer(o -> FetchResult.notModified(4)).answer("v", 5)
                .fail(new IOException("x"));
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req(""));
            t.get(req(""));
            try {
                t.get(req(""));
            } catch (FetchFailedException expected) {
                // counted below
            }

            assertThat(counter("watchcache.gets", "type", "t", "result", "bypass")).isEqualTo(3);
            assertThat(timerCount("type", "t", "outcome", "not_modified")).isEqualTo(1);
            assertThat(timerCount("type", "t", "outcome", "success")).isEqualTo(1);
            assertThat(timerCount("type", "t", "outcome", "error")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void uncachedFetchesAreObservedLikeCachedOnesWhenFetchesAreObserved(Flavor flavor) throws Exception {
        // One fetch path: with an observation registry (Spring Boot's default with actuator), a
        // blank-key read is observed, with its outcome, as an entry's fetch is.
        StoppedObservations stopped = new StoppedObservations();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(stopped);
        ScriptedType type = ScriptedType.plain().answer("v", 5).fail(new IOException("x")).answer("w", 6);
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry)
                .observationRegistry(observations).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
            assertThat(t.get(req("")).value()).isEqualTo("v");
            assertThatThrownBy(() -> t.getAsync(req("")).join()).hasRootCauseMessage("x");
            assertThat(t.get(req("k")).value()).isEqualTo("w");

            await().atMost(Duration.ofSeconds(5)).until(() -> stopped.all().size() == 3);
            assertThat(stopped.all()).extracting(c -> c.getName() + " " + c.getLowCardinalityKeyValue("outcome")
                    .getValue()).containsExactly("watchcache.fetch success", "watchcache.fetch error",
                    "watchcache.fetch success");
            assertThat(stopped.all().get(1).getError()).hasMessage("x");
        }
    }

    @Test
    void aFatalFetchIsVisibleAsAFailedEntryNotAsLostContact() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v", 1).fail(new IOException("down"))
                .fail(new SecurityException("denied"));
        type.fatal = SecurityException.class;
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req("k"));

            await().atMost(Duration.ofSeconds(5)).until(() -> timerCount("type", "t", "outcome", "fatal") == 1);

            // DESIGN.md revision 3: a fatal error is an answer (a refusal), so the entry is failed,
            // not out of contact, even though a plain failure came before it.
            assertThat(gauge("watchcache.lost.contact", "t")).isZero();
            assertThat(gauge("watchcache.failed", "t")).isEqualTo(1);
            CacheSnapshot.EntryView entry = cache.snapshot().entries().get(0);
            assertThat(entry.lostContact()).isNull();
            assertThat(entry.failed()).isTrue();
            assertThat(entry.lastError()).isEqualTo("java.lang.SecurityException: denied");
            assertThat(entry.index()).isEqualTo(1);
            assertThat(entry.valid()).isTrue();
        }
    }

    @Test
    void theContactGaugesFollowEachEntryAsItLosesAndRegainsContactAndWhenItIsRemoved() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v", 1).fail(new IOException("down"))
                .fail(new IOException("down"));
        try (WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry)
                .backoffMaxWait(Duration.ofSeconds(30)).build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req("a"));
            await().atMost(Duration.ofSeconds(5)).until(() -> gauge("watchcache.lost.contact", "t") == 1);
            assertThat(gauge("watchcache.failed", "t")).isZero();

            // Removed while out of contact: it no longer counts.
            assertThat(cache.evict(cache.snapshot().entries().get(0).id())).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> gauge("watchcache.lost.contact", "t") == 0);
            assertThat(cache.snapshot().entries()).isEmpty();
        }
    }

    /**
     * Plain keys and keys with a partition live in different maps without a size bound (the
     * index alone, Caffeine), and in Caffeine both with one: each way, an expiry is one.
     */
    @ParameterizedTest
    @CsvSource({"'', false", "dc1, false", "'', true", "dc1, true"})
    void expiredEntriesAreCountedAsExpiredEvictions(String partition, boolean bounded) throws Exception {
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofSeconds(1)).build())
                .answer("v", 1).answer("v", 1);
        CacheOptions.Builder options = CacheOptions.builder().meterRegistry(registry).ticker(ticker);
        if (bounded) {
            options.maxEntries(100);
        }
        try (WatchCache cache = new WatchCache(options.build())) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            CacheRequest request = req(RequestInfo.builder().key("k").partition(partition).build());
            t.get(request);
            ticker.advance(Duration.ofSeconds(2));

            // The idle sweep (one a second, on the real scheduler) removes it.
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    counter("watchcache.evictions", "type", "t", "cause", "expired") == 1);
            assertThat(gauge("watchcache.entries", "t")).isZero();
            assertThat(cache.snapshot().entries()).isEmpty();
            // The key's next read makes a new entry: the old one is gone from every map.
            assertThat(t.get(request).meta().hit()).isFalse();
            assertThat(cache.snapshot().entries()).hasSize(1);
            assertThat(counter("watchcache.evictions", "type", "t", "cause", "explicit")).isZero();
        }
    }

    @Test
    void snapshotListsTypesEntriesAndWatches() throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v", 4);
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req(RequestInfo.builder().key("k").partition("dc1").build()));
            t.watch(req(RequestInfo.builder().key("k").partition("dc1").build()), "web", e -> { });

            CacheSnapshot snapshot = cache.snapshot();

            assertThat(snapshot.types()).extracting(CacheSnapshot.TypeView::name).containsExactly("t");
            assertThat(snapshot.entries()).singleElement().satisfies(e -> {
                assertThat(e.key()).isEqualTo("k");
                assertThat(e.partition()).isEqualTo("dc1");
                assertThat(e.index()).isEqualTo(4);
            });
            assertThat(snapshot.watches()).singleElement().satisfies(w -> {
                assertThat(w.correlationId()).isEqualTo("web");
                assertThat(w.key()).isEqualTo("k");
            });
        }
    }
}
