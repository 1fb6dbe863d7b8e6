package io.watchcache.internal;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.CapturedLogs;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.testing.ManualTime;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fetch loop alone, on manual time and without a cache: single flight, the refresh timer,
 * the backoff and what cuts it short, the rate limit, the stop, and the order of a store's
 * consequences. The owner here only counts the fetches the loop asks for.
 */
class FetchLoopTest {

    private static final Duration TIMER = Duration.ofSeconds(5);
    /** No free failure, 1 s base: the first failure waits 2 s, the second 4 s. */
    private static final Backoff BACKOFF = new Backoff(0, Duration.ofSeconds(1), Duration.ofSeconds(60), false);

    private final ManualTime time = new ManualTime();
    private final List<Runnable> scheduledTasks = new ArrayList<>();
    private final FetchLoop.Timing timing = new FetchLoop.Timing() {
        @Override
        public long now() {
            return time.read();
        }

        @Override
        public Future<?> schedule(long delayNanos, Runnable task) {
            scheduledTasks.add(task);
            return time.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public Backoff backoff() {
            return BACKOFF;
        }
    };

    @Test
    void aSecondNeedWhileAFetchRunsStartsNoOther() {
        Owner owner = new Owner(type(false, null));
        FetchLoop loop = owner.loop(null);

        loop.ensure(false);
        loop.ensure(false);
        loop.ensure(true);

        assertThat(owner.started).hasSize(1);
        assertThat(loop.state()).isEqualTo(FetchLoop.State.RUNNING);
        assertThat(loop.fetching()).isTrue();
    }

    @Test
    void aPlainEntryStopsAfterItsFetchAndARefreshingOneFetchesAgainAfterItsTimer() {
        Owner plain = new Owner(type(false, null));
        FetchLoop plainLoop = plain.loop(null);
        plainLoop.ensure(false);
        plain.finishWith(FetchResult.of("v", 2), 2);

        Owner refreshing = new Owner(type(true, TIMER));
        FetchLoop loop = refreshing.loop(null);
        loop.ensure(false);
        refreshing.finishWith(FetchResult.of("v", 2), 2);

        assertThat(plainLoop.state()).isEqualTo(FetchLoop.State.IDLE);
        assertThat(plain.started).hasSize(1);
        assertThat(loop.state()).isEqualTo(FetchLoop.State.SCHEDULED);
        time.advance(TIMER.minusNanos(1));
        assertThat(refreshing.started).hasSize(1);
        time.advance(Duration.ofNanos(1));
        assertThat(refreshing.started).hasSize(2);
        assertThat(loop.state()).isEqualTo(FetchLoop.State.RUNNING);
    }

    @Test
    void failuresBackOffDoublingAndAnAnswerCutsTheBackoffShort() {
        Owner owner = new Owner(type(true, null));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);

        owner.finishWithError(new IllegalStateException("down"));
        assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(2));
        time.advance(Duration.ofSeconds(2));
        owner.finishWithError(new IllegalStateException("down"));
        assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(4));
        assertThat(loop.failures()).isEqualTo(2);

        assertThat(loop.retryNow()).isTrue();
        assertThat(owner.started).hasSize(3);
        assertThat(time.pending()).isZero();
        owner.finishWith(FetchResult.of("v", 2), 2);
        assertThat(loop.failures()).isZero();
        // Healthy again, no timer: the next blocking query starts at once; nothing to cut short.
        assertThat(owner.started).hasSize(4);
        assertThat(loop.retryNow()).isFalse();
    }

    @Test
    void aRefreshTimerAloneIsNotCutShortByRetryNorByACallerWhoHasAValue() {
        Owner owner = new Owner(type(true, TIMER));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        owner.finishWith(FetchResult.of("v", 2), 2);

        assertThat(loop.retryNow()).isFalse();
        loop.ensure(true);
        assertThat(owner.started).hasSize(1);

        // Someone with nothing valid to read does not wait out the timer.
        loop.ensure(false);
        assertThat(owner.started).hasSize(2);
        assertThat(time.pending()).isZero();
    }

    @Test
    void theRateLimitDelaysEveryStartAndIsNeverCutShort() {
        Owner owner = new Owner(type(false, null));
        FetchLoop loop = owner.loop(new TokenBucket(1, 1));
        loop.ensure(false);
        owner.finishWith(FetchResult.of("v", 2), 2);

        loop.ensure(false);
        assertThat(owner.started).hasSize(1);
        assertThat(loop.state()).isEqualTo(FetchLoop.State.SCHEDULED);
        assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(1));
        loop.ensure(false);
        assertThat(loop.retryNow()).isFalse();
        assertThat(time.pending()).isEqualTo(1);

        time.advance(Duration.ofSeconds(1));
        assertThat(owner.started).hasSize(2);
    }

    @Test
    void aStopCancelsTheScheduledStartAndHandsBackTheRunningFetch() {
        Owner owner = new Owner(type(true, TIMER));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        Fetcher.Run running = owner.started.get(0);

        assertThat(loop.stop()).isSameAs(running);
        List<String> order = new ArrayList<>();
        loop.finished(outcome(running, FetchResult.of("v", 2), null), false, 0, () -> order.add("then"));
        loop.ensure(false);
        time.advance(TIMER.multipliedBy(2));

        assertThat(order).containsExactly("then");
        assertThat(owner.started).hasSize(1);
        assertThat(loop.state()).isEqualTo(FetchLoop.State.STOPPED);
        assertThat(loop.begin(running)).isFalse();
    }

    @Test
    void aReplacedScheduleDoesNothingWhenItFiresAnyway() {
        Owner owner = new Owner(type(true, null));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        owner.finishWithError(new IllegalStateException("down"));
        Runnable replaced = scheduledTasks.get(scheduledTasks.size() - 1);
        loop.retryNow();

        // A scheduler may run a task it was asked to cancel, if it had already begun.
        replaced.run();

        assertThat(owner.started).hasSize(2);
    }

    @Test
    void theNextFetchStartsOnlyAfterThoseWhoWaitHeardOfTheStore() {
        List<String> order = new ArrayList<>();
        Owner owner = new Owner(type(true, null)) {
            @Override
            public void startFetch() {
                order.add("start");
                super.startFetch();
            }
        };
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        order.clear();

        loop.finished(outcome(owner.started.get(0), FetchResult.of("v", 2), null), true, 2, () -> order.add("woken"));

        assertThat(order).containsExactly("woken", "start");
    }

    @Test
    void aTypeThatDoesNotBlockIsWarnedAboutOnceAndBacksOff() {
        Owner owner = new Owner(type(true, null));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        owner.finishWith(FetchResult.of("v", 5), 5);
        int before = warnings();

        for (int i = 0; i < Attempts.NO_PROGRESS_LIMIT + 2; i++) {
            // Asked past 5, answered 5 at once: it did not block.
            owner.finishWith(FetchResult.of("v", 5), 5);
            time.advance(Duration.ofMinutes(2));
        }

        assertThat(warnings() - before).isEqualTo(1);
        assertThat(loop.failures()).isGreaterThanOrEqualTo(Attempts.NO_PROGRESS_LIMIT);
    }

    @Test
    void theWarningIsGivenOncePerEntryEvenWhenTheTypeMakesProgressInBetween() {
        Owner owner = new Owner(type(true, null));
        FetchLoop loop = owner.loop(null);
        loop.ensure(false);
        owner.finishWith(FetchResult.of("v", 5), 5);
        int before = warnings();

        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < Attempts.NO_PROGRESS_LIMIT; i++) {
                owner.finishWith(FetchResult.of("v", owner.index), owner.index);
                time.advance(Duration.ofMinutes(2));
            }
            // A real change: the counts are reset, but the entry was warned about already.
            owner.finishWith(FetchResult.of("v", owner.index + 1), owner.index + 1);
            assertThat(loop.failures()).isZero();
        }

        assertThat(warnings() - before).isEqualTo(1);
    }

    private static int warnings() {
        return (int) CapturedLogs.lines().stream()
                .filter(line -> line.startsWith("WARN") && line.contains("does not block on minIndex")).count();
    }

    private static TypeRegistration type(boolean refresh, Duration timer) {
        return new TypeRegistration(0, "t", (CacheType<CacheRequest, Object>) (o, r) -> null,
                RegisterOptions.builder().supportsBlocking(true).refresh(refresh).refreshTimer(timer)
                        .queryTimeout(Duration.ofMinutes(10)).lastGetTtl(Duration.ofHours(1)).build(),
                new TypeMetrics(new CompositeMeterRegistry(), null, "t", false));
    }

    private static Fetcher.Outcome outcome(Fetcher.Run run, FetchResult<Object> result, Throwable error) {
        return new Fetcher.Outcome(run, error == null ? result : null, error, false, 0);
    }

    /** Starts nothing: keeps each run the loop asked for, so the test can end it. */
    private class Owner implements FetchLoop.Owner {
        final TypeRegistration type;
        final List<Fetcher.Run> started = new ArrayList<>();
        private FetchLoop loop;
        /** The index stored last: the next fetch is asked to pass it. */
        private long index;

        Owner(TypeRegistration type) {
            this.type = type;
        }

        FetchLoop loop(TokenBucket bucket) {
            loop = new FetchLoop(timing, this, bucket);
            return loop;
        }

        @Override
        public TypeRegistration type() {
            return type;
        }

        @Override
        public EntryKey key() {
            return EntryKey.of(type, RequestInfo.builder().key("k").build());
        }

        @Override
        public void startFetch() {
            Fetcher.Run run = new Fetcher.Run(type, index);
            if (loop.begin(run)) {
                started.add(run);
            }
        }

        void finishWith(FetchResult<?> result, long storedIndex) {
            @SuppressWarnings("unchecked")
            FetchResult<Object> any = (FetchResult<Object>) result;
            Fetcher.Run run = started.get(started.size() - 1);
            index = storedIndex;
            loop.finished(outcome(run, any, null), true, storedIndex, () -> { });
        }

        void finishWithError(Throwable error) {
            Fetcher.Run run = started.get(started.size() - 1);
            loop.finished(outcome(run, null, error), true, index, () -> { });
        }
    }
}
