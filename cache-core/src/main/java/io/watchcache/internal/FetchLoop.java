package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Future;

/**
 * When an entry's next fetch starts. At most one fetch runs at a time (single flight); a
 * refreshing entry chains the next one after the refresh timer and, after failures, the
 * backoff; a rate limit, when one is set, delays every start. It counts the attempts that feed
 * the backoff ({@link Attempts}) and logs the warnings a misbehaving type earns.
 *
 * <p>It never runs a fetch: it tells its owner to start one ({@link Owner#startFetch}), and
 * hears how it ended ({@link #finished}). Its monitor guards its fields; under it nothing runs
 * but the clock, the scheduler and the token bucket. An owner may call it while holding its
 * own monitor; the loop never calls the owner while holding its own.
 */
final class FetchLoop {

    /** The entry the loop fetches for. */
    interface Owner {

        TypeRegistration type();

        EntryKey key();

        /**
         * Starts a fetch now, outside the loop's monitor: the loop counts it as running until
         * {@link #finished}. The owner hands the run to {@link #begin} before it starts it.
         */
        void startFetch();
    }

    /** The clock and the scheduler the loop waits on: the cache's, or a test's manual ones. */
    interface Timing {

        long now();

        /** Runs {@code task} after {@code delayNanos}; the future cancels it. */
        Future<?> schedule(long delayNanos, Runnable task);

        Backoff backoff();
    }

    enum State { IDLE, SCHEDULED, RUNNING, STOPPED }

    private static final Logger log = LoggerFactory.getLogger(FetchLoop.class);

    private final Timing timing;
    private final Owner owner;
    /** Null while every fetch made progress: most entries never need one. */
    @GuardedBy("this")
    private @Nullable Attempts attempts;
    /** The fetch rate limit; null without one (the default), so an entry holds no bucket for nothing. */
    @GuardedBy("this")
    private @Nullable TokenBucket bucket;
    @GuardedBy("this")
    private State state = State.IDLE;
    /** Counts the schedules, so that a replaced scheduled start does nothing (compared for equality only). */
    @GuardedBy("this")
    private int generation;
    @GuardedBy("this")
    private @Nullable Future<?> scheduled;
    /** Whether the scheduled start waits out a refresh timer or backoff (not only the rate limit). */
    @GuardedBy("this")
    private boolean scheduledByRefresh;
    /** The fetch going on, kept so that {@link #stop} can cancel it. */
    @GuardedBy("this")
    private Fetcher.@Nullable Run running;

    FetchLoop(Timing timing, Owner owner, @Nullable TokenBucket bucket) {
        this.timing = timing;
        this.owner = owner;
        this.bucket = bucket;
    }

    synchronized State state() {
        return state;
    }

    /** Takes the cache's new fetch rate. */
    synchronized void configureRate(double rate, int maxBurst) {
        bucket = TokenBucket.of(rate, maxBurst, bucket);
    }

    /**
     * Someone needs a fetch: starts one unless one is running, or a refresh is scheduled and
     * there is a value to wait with ({@code haveValue}).
     */
    void ensure(boolean haveValue) {
        synchronized (this) {
            if (state == State.STOPPED || state == State.RUNNING) {
                return;
            }
            if (state == State.SCHEDULED) {
                // A refresh waits out its timer or a backoff. Someone waiting on a newer index
                // can wait with it; someone with nothing valid to read should not. A wait for the
                // rate limit is never cut short: restarting it would only take another token.
                if (haveValue || !scheduledByRefresh) {
                    return;
                }
                cancelScheduled();
            }
            if (!startOrSchedule(0)) {
                return;
            }
        }
        owner.startFetch();
    }

    /**
     * Cuts a backoff short: the source answers again, so a refresh that waits out failures
     * starts now (after the refresh timer, if the type has one). A refresh timer or a rate-limit
     * wait alone is left alone. Returns whether a fetch started.
     */
    boolean retryNow() {
        synchronized (this) {
            if (state != State.SCHEDULED || !scheduledByRefresh || failuresLocked() == 0) {
                return false;
            }
            cancelScheduled();
            if (!startOrSchedule(owner.type().refreshTimerNanos)) {
                return false;
            }
        }
        owner.startFetch();
        return true;
    }

    /** Keeps {@code run}, about to start, for {@link #stop}; false when the loop was stopped first. */
    synchronized boolean begin(Fetcher.Run run) {
        if (state == State.STOPPED) {
            return false;
        }
        running = run;
        return true;
    }

    synchronized boolean fetching() {
        return state == State.RUNNING;
    }

    /** Failed attempts in a row, what the backoff waits on. */
    synchronized int failures() {
        return failuresLocked();
    }

    @GuardedBy("this")
    private int failuresLocked() {
        Attempts counts = attempts;
        return counts == null ? 0 : counts.failures();
    }

    /**
     * A fetch ended and its owner stored what it brought ({@code storedIndex}: the entry's index
     * after the store) or dropped it ({@code stored} false: the entry is gone). Counts the
     * attempt, ends the run's meters and observation, logs a warning the attempt earns, runs
     * {@code then} (the owner wakes whoever waits for the store), and only then starts the next
     * fetch if one is due: a next fetch that ends at once must not overtake those who wait for
     * this one.
     */
    void finished(Fetcher.Outcome outcome, boolean stored, long storedIndex, Runnable then) {
        TypeRegistration type = owner.type();
        long minIndex = outcome.run().minIndex;
        TypeMetrics.FetchOutcome counted;
        boolean fetchNext = false;
        boolean warnNoProgress = false;
        boolean warnInvalidIndex = false;
        synchronized (this) {
            if (running == outcome.run()) {
                running = null;
            }
            if (!stored || state == State.STOPPED) {
                counted = outcome.counted();
            } else {
                Attempts counts = attempts;
                if (counts == null && Attempts.progress(type, outcome.result(), outcome.error(), minIndex,
                        storedIndex, outcome.tookNanos())) {
                    counted = outcome.counted();
                } else {
                    counts = counts == null ? new Attempts() : counts;
                    counted = counts.record(type, outcome.result(), outcome.error(), outcome.fatal(), minIndex,
                            storedIndex, outcome.tookNanos());
                    warnNoProgress = counts.warnNoProgress();
                    warnInvalidIndex = counts.warnInvalidIndex();
                    attempts = counts.forgotten() ? null : counts;
                }
                state = State.IDLE;
                if (type.refresh && !outcome.fatal()) {
                    long backoff = timing.backoff().waitNanos(failuresLocked());
                    fetchNext = startOrSchedule(type.refreshTimerNanos + backoff);
                }
            }
        }
        outcome.run().record(counted, outcome.tookNanos(), outcome.error());
        if (warnNoProgress) {
            log.warn("Cache type '{}' answered key '{}' {} times in a row at once without moving past index {}: "
                    + "it does not block on minIndex, so the entry now backs off. A blocking type should wait "
                    + "for a change or its timeout, and answer FetchResult.unchanged(minIndex) when nothing "
                    + "changed", type.name, owner.key().key(), Attempts.NO_PROGRESS_LIMIT, minIndex);
        }
        if (warnInvalidIndex) {
            log.warn("Cache type '{}' answered key '{}' with index {}: an index must be 1 or more (the source's "
                    + "version of the data: an etcd revision, a Raft index, an ETag counter), or a blocking query "
                    + "asked past it would return at once. The value is kept; the entry backs off as after a "
                    + "failure, and such answers are counted as outcome=invalid_index", type.name,
                    owner.key().key(), outcome.success().index());
        }
        then.run();
        if (fetchNext) {
            owner.startFetch();
        }
    }

    /**
     * Stops the loop for good: no fetch starts again and a scheduled one is cancelled. Returns
     * the fetch going on, for the owner to cancel, or null.
     */
    synchronized Fetcher.@Nullable Run stop() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
        Fetcher.Run toCancel = running;
        running = null;
        state = State.STOPPED;
        return toCancel;
    }

    @Override
    public synchronized String toString() {
        return state.name();
    }

    /**
     * Reserves a rate-limit token and either marks the fetch running (true: the caller starts it
     * once it has left the monitor) or schedules it for later.
     */
    @GuardedBy("this")
    private boolean startOrSchedule(long delayNanos) {
        TokenBucket limit = bucket;
        long waitNanos = delayNanos + (limit == null ? 0 : limit.reserve(timing.now() + delayNanos));
        if (waitNanos <= 0) {
            state = State.RUNNING;
            return true;
        }
        int myGeneration = ++generation;
        state = State.SCHEDULED;
        scheduledByRefresh = delayNanos > 0;
        scheduled = timing.schedule(waitNanos, () -> runScheduled(myGeneration));
        return false;
    }

    /** Cancels the scheduled start (SCHEDULED always has one). */
    @GuardedBy("this")
    private void cancelScheduled() {
        Future<?> pending = scheduled;
        if (pending != null) {
            pending.cancel(false);
        }
        scheduled = null;
    }

    private void runScheduled(int myGeneration) {
        synchronized (this) {
            // A newer schedule, an early start or a stop replaced this one.
            if (state != State.SCHEDULED || generation != myGeneration) {
                return;
            }
            state = State.RUNNING;
            scheduled = null;
        }
        owner.startFetch();
    }
}
