package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.testing.Flavor;
import io.watchcache.testing.ManualTime;
import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A missing key is an answer, not a hang, and no source, however wrong, makes the cache spin:
 * the trap a new user fell into with {@code FetchResult.of(null, 1)}.
 */
class AbsenceAndProgressTest {

    private WatchCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    /**
     * The README-style store a new user writes: a map, answered at once, a missing key as
     * {@code of(null, 1)}, and no real blocking (it ignores minIndex).
     */
    static final class NaiveStore implements CacheType<CacheRequest, String> {
        final Map<String, String> data = new ConcurrentHashMap<>();
        final AtomicInteger fetches = new AtomicInteger();

        @Override
        public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) {
            fetches.incrementAndGet();
            return FetchResult.of(data.get(request.cacheInfo().key()), 1);
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.blockingRefresh();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anAbsentKeyIsAValidEntryWithANullValueAndReleasesItsCallers(Flavor flavor) throws Exception {
        NaiveStore store = new NaiveStore();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> t = cache.register("naive", flavor.of(store));

        CompletableFuture<Result<String>> missing = t.getAsync(req("missing"));

        Result<String> result = missing.get(5, TimeUnit.SECONDS);
        assertThat(result.value()).isNull();
        assertThat(result.meta().index()).isEqualTo(1);
        assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> {
            assertThat(e.valid()).isTrue();
            assertThat(e.lastError()).isNull();
        });
        // A second read is a hit on the absence.
        assertThat(t.get(req("missing")).meta().hit()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSourceThatNeverBlocksBacksOffInsteadOfSpinningAndIsCountedAndLoggedOnce(Flavor flavor) throws Exception {
        NaiveStore store = new NaiveStore();
        store.data.put("k", "v");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ManualTime time = new ManualTime();
        cache = new WatchCache(time.options().meterRegistry(registry).backoffJitter(false).build());
        String name = "naive-" + flavor;
        TypedCache<CacheRequest, String> t = cache.register(name, flavor.of(store));

        assertThat(t.get(req("k")).value()).isEqualTo("v");
        // The first fetch and 3 free quick repeats; then the entry waits out a backoff, and while
        // time stands still nothing else runs.
        await().atMost(Duration.ofSeconds(5)).until(() -> !cache.snapshot().entries().get(0).fetching());
        assertThat(store.fetches.get()).isBetween(4, 5);
        // Two seconds of backoff go by: one or two more attempts, not millions.
        for (int i = 0; i < 20; i++) {
            time.advance(Duration.ofMillis(100));
            await().atMost(Duration.ofSeconds(5)).until(() -> !cache.snapshot().entries().get(0).fetching());
        }
        assertThat(store.fetches.get()).isBetween(5, 7);
        double noProgress = registry.get("watchcache.fetch").tags("type", name, "outcome", "no_progress").timer()
                .count();
        assertThat(noProgress).isGreaterThanOrEqualTo(3);
        assertThat(CapturedLogs.lines().stream().filter(l -> l.contains("Cache type '" + name + "' answered key 'k'")))
                .singleElement().satisfies(line -> assertThat(line).startsWith("WARN")
                        .contains("3 times in a row at once without moving past index 1"));
        // The value is still served, and the entry is not reported as lost contact.
        assertThat(t.get(req("k")).meta().hit()).isTrue();
        assertThat(cache.snapshot().entries()).allMatch(e -> e.lostContact() == null);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anIndexBelowOneIsCountedAsInvalidWarnedOnceAndBacksOff(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 0; i < 20; i++) {
            type.answer("v" + i, 0);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ManualTime time = new ManualTime();
        cache = new WatchCache(time.options().meterRegistry(registry).backoffJitter(false).build());
        String name = "zero-" + flavor;
        TypedCache<CacheRequest, String> t = cache.register(name, flavor.of(type));

        // The value is served; the refresh backs off as after failures instead of asking again at once.
        assertThat(t.get(req("k")).value()).isEqualTo("v0");
        await().atMost(Duration.ofSeconds(5)).until(() -> !cache.snapshot().entries().get(0).fetching());
        int fetches = type.fetches();
        assertThat(fetches).isBetween(4, 5);
        time.advance(Duration.ofMillis(900));
        assertThat(type.fetches()).isEqualTo(fetches);

        assertThat(registry.get("watchcache.fetch").tags("type", name, "outcome", "invalid_index").timer().count())
                .isEqualTo(fetches);
        assertThat(registry.find("watchcache.fetch").tags("type", name, "outcome", "success").timers()).allMatch(
                timer -> timer.count() == 0);
        assertThat(CapturedLogs.lines().stream().filter(l -> l.contains("Cache type '" + name + "' answered key 'k'")))
                .singleElement().satisfies(line -> assertThat(line).startsWith("WARN")
                        .contains("with index 0: an index must be 1 or more"));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void unchangedKeepsTheValueAndTheIndexAndIsNotAFailure(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v", 5)
                .answer(o -> {
                    // A blocking query that waited and timed out: slow, so it is progress-neutral.
                    Thread.sleep(300);
                    return FetchResult.unchanged(o.minIndex());
                }).answer("w", 6);
        cache = new WatchCache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(5)).until(() -> "w".equals(t.get(req("k")).value()));

        // After "nothing new" the next query still asks past 5, with the kept value handed over.
        assertThat(type.calls.get(2).minIndex()).isEqualTo(5);
        assertThat(type.calls.get(2).lastResult().value()).isEqualTo("v");
        assertThat(t.get(req("k")).meta().index()).isEqualTo(6);
    }
}
