package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.testing.Flavor;
import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.TrackingExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DESIGN.md revision 3, "Contact": contact is a fact about the source, not about changes; a
 * fatal error is a failed entry, not lost contact; a type can tell the cache its source answers
 * again; and what holds an entry is visible, for health to count.
 */
class ContactTest {

    /** The contact lines a type may log a second (the engine's {@code ContactLog.LINES_PER_SECOND}). */
    private static final int LINES_PER_SECOND = 100;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private WatchCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private static CacheSnapshot.EntryView entry(WatchCache cache, String key) {
        return cache.snapshot().entries().stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void aSourceThatFailsForManyKeysAtOnceLogsAtMostAHundredLinesASecondAndCountsTheRest() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        CacheType<CacheRequest, String> source = new CacheType<>() {
            @Override
            public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
                if (down.get()) {
                    throw new IOException("source down");
                }
                return FetchResult.of("v", 1);
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.builder().refresh(true).refreshTimer(Duration.ofMillis(50)).build();
            }
        };
        cache = new WatchCache(TestSupport.fastBackoff().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> t = cache.register("many", source);
        int keys = 3 * LINES_PER_SECOND;
        for (int i = 0; i < keys; i++) {
            t.get(req("many-" + i));
        }
        int from = CapturedLogs.lines().size();

        down.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                registry.get("watchcache.lost.contact").tag("type", "many").gauge().value() == keys);
        // The summary comes when the second is over.
        await().atMost(Duration.ofSeconds(10)).until(() -> summarized(from, "lost contact") > 0);
        long lines = linesSince(from, "WARN Cache type 'many' lost contact for key 'many-");
        assertThat(lines).as("per-key lines").isLessThanOrEqualTo(2L * LINES_PER_SECOND);
        assertThat(lines + summarized(from, "lost contact")).as("logged one by one, or counted").isEqualTo(keys);

        int back = CapturedLogs.lines().size();
        down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                registry.get("watchcache.lost.contact").tag("type", "many").gauge().value() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> linesSince(back, "INFO Cache type 'many' regained contact")
                + summarized(back, "regained it") == keys);
    }

    private static long linesSince(int from, String prefix) {
        List<String> lines = CapturedLogs.lines();
        return lines.subList(from, lines.size()).stream().filter(l -> l.startsWith(prefix)).count();
    }

    /** The keys the summary lines since {@code from} counted as {@code what} ("lost contact", "regained it"). */
    private static long summarized(int from, String what) {
        Pattern count = Pattern.compile("Cache type 'many': (\\d+) more keys lost contact, (\\d+) regained it");
        List<String> lines = CapturedLogs.lines();
        long sum = 0;
        for (String line : lines.subList(from, lines.size())) {
            Matcher m = count.matcher(line);
            if (m.find()) {
                sum += Long.parseLong(m.group(what.equals("lost contact") ? 1 : 2));
            }
        }
        return sum;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aQuickNothingNewRightAfterAFailureRegainsContactWithoutCountingAsNoProgress(Flavor flavor)
            throws Exception {
        String key = "regain-" + flavor;
        // v1, then a failure (a broken stream), then a re-read that finds nothing new: answered
        // at once with the same index, as an etcd re-read after a stream failure does.
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 5).fail(new IOException("stream broke"))
                .answer(o -> FetchResult.unchanged(o.minIndex()));
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req(key));

        // The fourth fetch is the blocking wait for a change, which the test never answers.
        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 4);
        await().atMost(Duration.ofSeconds(5)).until(() -> CapturedLogs.lines().stream()
                .anyMatch(l -> l.contains("regained contact for key '" + key + "'")));

        CacheSnapshot.EntryView view = entry(cache, key);
        assertThat(view.lostContact()).isNull();
        assertThat(view.lastError()).isNull();
        assertThat(registry.get("watchcache.lost.contact").tag("type", "t").gauge().value()).isZero();
        assertThat(registry.get("watchcache.fetch").tag("type", "t").tag("outcome", "no_progress").timer().count())
                .isZero();
        // Not backed off: the wait for a change started right after the re-read.
        long gap = type.callTimes.get(3) - type.callTimes.get(2);
        assertThat(Duration.ofNanos(gap)).isLessThan(Duration.ofSeconds(1));
        assertThat(type.calls.get(3).minIndex()).isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSourceThatAnswersOnceBetweenFailuresStillBacksOff(Flavor flavor) throws Exception {
        // fail x4 (the 4th waits), then alternate "nothing new" and failures: the recovery answers
        // must not reset the backoff, or a flapping source would be retried in a hot loop.
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 5);
        for (int i = 0; i < 4; i++) {
            type.fail(new IOException("down " + i));
        }
        for (int i = 0; i < 3; i++) {
            type.answer(o -> FetchResult.unchanged(o.minIndex())).fail(new IOException("flap " + i));
        }
        cache = new WatchCache(CacheOptions.builder().backoffBaseWait(Duration.ofMillis(100))
                .backoffMaxWait(Duration.ofSeconds(10)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("flap"));

        await().atMost(Duration.ofSeconds(20)).until(() -> type.fetches() >= 12);
        // After failure n (n > 3 free) the wait is 2^(n-3) * 100 ms: the failures after each
        // recovery go on counting (5, 6, 7), so the last waits are 0.4 s, 0.8 s, 1.6 s, never 0.
        long lastGap = type.callTimes.get(11) - type.callTimes.get(10);
        assertThat(Duration.ofNanos(lastGap)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    /** A failure a type reports after a grace: the source had been silent for a while already. */
    static final class LateSilence extends IOException implements SourceSilence {
        private final Duration silentFor;

        LateSilence(Duration silentFor) {
            super("silent for " + silentFor);
            this.silentFor = silentFor;
        }

        @Override
        public Duration silentFor() {
            return silentFor;
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void lostContactCountsFromWhenTheSourceWentSilentNotFromWhenTheTypeReportedIt(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1)
                .fail(new LateSilence(Duration.ofSeconds(30))).fail(new LateSilence(Duration.ofSeconds(1)));
        cache = new WatchCache(CacheOptions.builder().backoffBaseWait(Duration.ofMinutes(1))
                .backoffMaxWait(Duration.ofMinutes(1)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("late"));
        // The third fetch waits for a change that never comes.
        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 3
                && String.valueOf(entry(cache, "late").lastError()).contains("silent for PT1S"));

        // The episode began 30 s before the first failure was reported; the second failure,
        // silent for only 1 s, does not move its start.
        Duration lost = entry(cache, "late").lostContact();
        assertThat(lost).isNotNull();
        assertThat(lost).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(90));
        assertThat(t.get(req("late")).meta().age()).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aFatalErrorIsAFailedEntryNotLostContact(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().fail(new SecurityException("permission denied"));
        type.fatal = SecurityException.class;
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        Throwable thrown = TestSupport.getOnThread(t, req("denied")).get(10, TimeUnit.SECONDS);

        assertThat(thrown).isInstanceOf(FetchFailedException.class).hasRootCauseMessage("permission denied");
        await().atMost(Duration.ofSeconds(5)).until(() -> entry(cache, "denied").failed());
        CacheSnapshot.EntryView view = entry(cache, "denied");
        assertThat(view.lostContact()).isNull();
        assertThat(view.lastError()).contains("permission denied");
        assertThat(registry.get("watchcache.failed").tag("type", "t").gauge().value()).isEqualTo(1);
        assertThat(registry.get("watchcache.lost.contact").tag("type", "t").gauge().value()).isZero();
        assertThat(CapturedLogs.lines()).anyMatch(l -> l.startsWith("WARN Cache type 't' stopped refreshing key "
                + "'denied': the source refused it (permission denied)"));
        assertThat(CapturedLogs.lines()).noneMatch(l -> l.contains("lost contact for key 'denied'"));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void reachableCutsTheBackoffOfWaitingEntriesShort(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1);
        for (int i = 0; i < 4; i++) {
            type.fail(new IOException("down " + i));
        }
        type.answer("v2", 2);
        // After the 4th failure the entry waits a minute: only the signal can bring it back sooner.
        cache = new WatchCache(CacheOptions.builder().backoffBaseWait(Duration.ofSeconds(30))
                .backoffMaxWait(Duration.ofMinutes(1)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        assertThat(type.signals).hasSize(1);
        t.get(req("k"));
        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() == 5 && type.running.get() == 0
                && entry(cache, "k").lostContact() != null && !entry(cache, "k").fetching());

        assertThat(type.signals.get(0).reachable()).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() >= 6);
        await().atMost(Duration.ofSeconds(5)).until(() -> entry(cache, "k").index() == 2);
        assertThat(entry(cache, "k").lostContact()).isNull();
        assertThat(type.signals.get(0).isOpen()).isTrue();
        cache.close();
        assertThat(type.signals.get(0).reachable()).isFalse();
        assertThat(type.signals.get(0).isOpen()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void reachableLeavesHealthyEntriesAlone(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1);
        TrackingExecutor executor = new TrackingExecutor();
        cache = new WatchCache(CacheOptions.builder().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        // The second fetch is the blocking query; it holds the entry's only flight (and, synchronous,
        // an executor thread).
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);
        long blockingQuery = flavor == Flavor.SYNC ? 1 : 0;
        await().atMost(Duration.ofSeconds(5)).until(() -> executor.running() == blockingQuery);

        type.signals.get(0).reachable();
        // The sweep ran on the executor and started nothing that is still running.
        await().atMost(Duration.ofSeconds(5)).until(() -> executor.running() == blockingQuery);

        assertThat(type.fetches()).isEqualTo(2);
        assertThat(type.maxRunning.get()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anEntryIsHeldWhileAWatchOrLiveValueUsesIt(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 0; i < 6; i++) {
            // First reads answer at once; the blocking queries after them wait until the cache closes.
            type.answer(o -> {
                if (o.minIndex() > 0) {
                    Thread.sleep(60_000);
                }
                return FetchResult.of("v", 1);
            });
        }
        cache = new WatchCache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("asked"));
        Subscription watch = t.watch(req("watched"), "w", e -> { });
        LiveValue<String> live = t.live(req("live"));
        live.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.snapshot().entries().size() == 3);

        assertThat(entry(cache, "asked").held()).isFalse();
        assertThat(entry(cache, "watched").held()).isTrue();
        assertThat(entry(cache, "live").held()).isTrue();

        watch.cancel();
        live.close();
        assertThat(entry(cache, "watched").held()).isFalse();
        assertThat(entry(cache, "live").held()).isFalse();
    }
}
