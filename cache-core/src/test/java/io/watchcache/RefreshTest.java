package io.watchcache;

import io.watchcache.testing.Flavor;
import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.TrackingExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RefreshTest {

    private WatchCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refreshingBlockingTypeFetchesAgainAsSoonAsOneEnds(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1).answer("v2", 2);
        cache = new WatchCache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 3);
        Result<String> result = t.get(req("k"));

        assertThat(result.value()).isEqualTo("v2");
        assertThat(result.meta().hit()).isTrue();
        assertThat(type.calls).extracting(FetchOptions::minIndex).containsExactly(0L, 1L, 2L);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void lostAndRegainedContactAreLoggedOncePerTransitionNotPerFailure(Flavor flavor) throws Exception {
        String key = "contact-" + System.nanoTime();
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1);
        for (int i = 0; i < 5; i++) {
            type.fail(new IOException("source down #" + i));
        }
        type.answer("v2", 2);
        cache = new WatchCache(CacheOptions.builder().backoffMaxWait(Duration.ofMillis(50)).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req(RequestInfo.builder().key(key).token("contact-token").build()));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 7);
        await().atMost(Duration.ofSeconds(5)).until(() -> CapturedLogs.lines().stream()
                .anyMatch(l -> l.contains("regained contact for key '" + key + "'")));

        List<String> lines = CapturedLogs.lines().stream().filter(l -> l.contains("'" + key + "'")).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("WARN Cache type 't' lost contact for key '" + key + "': source down #0");
        assertThat(lines.get(1)).startsWith("INFO Cache type 't' regained contact for key '" + key + "' after ");
        assertThat(String.join("\n", lines)).doesNotContain("contact-token");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refreshTimerPacesAPollingType(Flavor flavor) throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().refresh(true)
                .refreshTimer(Duration.ofMillis(300)).build());
        for (int i = 1; i <= 10; i++) {
            type.answer("v" + i, i);
        }
        cache = new WatchCache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 4);

        List<Long> times = new ArrayList<>(type.callTimes);
        for (int i = 1; i < 4; i++) {
            assertThat(Duration.ofNanos(times.get(i) - times.get(i - 1)))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(280));
        }
        assertThat(type.calls).extracting(FetchOptions::minIndex).containsOnly(0L);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void failuresBackOffAfterThreeFreeAttempts(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 0; i < 6; i++) {
            type.fail(new IOException("down " + i));
        }
        cache = new WatchCache(TestSupport.fastBackoff().backoffBaseWait(Duration.ofMillis(200))
                .backoffMaxWait(Duration.ofSeconds(5)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.getAsync(req("k"));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 6);

        List<Long> times = new ArrayList<>(type.callTimes);
        // Attempts 2..4 follow failures 1..3: free. Attempt 5 follows failure 4 (base * 2),
        // attempt 6 failure 5 (base * 4).
        assertThat(gap(times, 1)).isLessThan(Duration.ofMillis(150));
        assertThat(gap(times, 2)).isLessThan(Duration.ofMillis(150));
        assertThat(gap(times, 3)).isLessThan(Duration.ofMillis(150));
        assertThat(gap(times, 4)).isGreaterThanOrEqualTo(Duration.ofMillis(380));
        assertThat(gap(times, 5)).isGreaterThanOrEqualTo(Duration.ofMillis(780));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSuccessResetsTheFailureCount(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 0; i < 4; i++) {
            type.fail(new IOException("down"));
        }
        type.answer("ok", 5);
        for (int i = 0; i < 3; i++) {
            type.fail(new IOException("down again"));
        }
        type.answer("ok", 6);
        cache = new WatchCache(TestSupport.fastBackoff().backoffBaseWait(Duration.ofMillis(300))
                .backoffMaxWait(Duration.ofSeconds(5)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.getAsync(req("k"));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 10);

        List<Long> times = new ArrayList<>(type.callTimes);
        assertThat(gap(times, 4)).isGreaterThanOrEqualTo(Duration.ofMillis(580)); // after the 4th failure
        for (int i = 5; i <= 9; i++) {
            assertThat(gap(times, i)).as("gap %d", i).isLessThan(Duration.ofMillis(250));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void successWithIndexZeroCountsAsAFailedAttempt(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 0; i < 6; i++) {
            type.answer("zero", 0);
        }
        cache = new WatchCache(TestSupport.fastBackoff().backoffBaseWait(Duration.ofMillis(200))
                .backoffMaxWait(Duration.ofSeconds(5)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 6);

        List<Long> times = new ArrayList<>(type.callTimes);
        assertThat(gap(times, 4)).isGreaterThanOrEqualTo(Duration.ofMillis(380));
        assertThat(gap(times, 5)).isGreaterThanOrEqualTo(Duration.ofMillis(780));
        assertThat(cache.snapshot().entries().get(0).lastError()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void fatalErrorStopsTheRefreshButKeepsTheEntry(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1).fail(new SecurityException("denied"))
                .answer("never", 2);
        type.fatal = SecurityException.class;
        TrackingExecutor executor = new TrackingExecutor();
        cache = new WatchCache(CacheOptions.builder().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        // Failed, and nothing left running: the queued "never" answer would be taken at once.
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.snapshot().entries().get(0).failed()
                && executor.running() == 0 && type.running.get() == 0);

        assertThat(type.fetches()).isEqualTo(2);
        Result<String> kept = t.get(req("k"));
        assertThat(kept.value()).isEqualTo("v1");
        assertThat(kept.meta().hit()).isTrue();
        assertThat(cache.snapshot().entries().get(0).fetching()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCallerHearsItsOwnFetchEvenWhenTheNextRefreshFailsAtOnce(Flavor flavor) throws Exception {
        // The refresh after the first fetch fails immediately; the caller that waited for the
        // first fetch must still get its value, not the next fetch's error. Repeated, since the
        // two stores race.
        for (int i = 0; i < 200; i++) {
            ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1).fail(new SecurityException("denied"));
            type.fatal = SecurityException.class;
            try (WatchCache c = new WatchCache(CacheOptions.defaults())) {
                TypedCache<CacheRequest, String> t = c.register("t", flavor.of(type));
                assertThat(t.get(req("k")).value()).as("round %d", i).isEqualTo("v1");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void ageOfARefreshingEntryIsZeroWhileHealthyAndTimeSinceContactWasLostOtherwise(Flavor flavor) throws Exception {
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1);
        cache = new WatchCache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        ticker.advance(Duration.ofMinutes(3));
        assertThat(t.get(req("k")).meta().age()).isZero();

        type.fail(new IOException("partition"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 3);
        ticker.advance(Duration.ofSeconds(7));

        Result<String> result = t.get(req("k"));
        assertThat(result.value()).isEqualTo("v1");
        assertThat(result.meta().age()).isEqualTo(Duration.ofSeconds(7));
        assertThat(cache.snapshot().entries().get(0).lostContact()).isEqualTo(Duration.ofSeconds(7));

        type.answer("v2", 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.snapshot().entries().get(0).lostContact() == null);
        assertThat(t.get(req("k")).meta().age()).isZero();
    }

    private static Duration gap(List<Long> times, int i) {
        return Duration.ofNanos(times.get(i) - times.get(i - 1));
    }
}
