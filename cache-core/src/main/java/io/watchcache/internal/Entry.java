package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * One cached entry: its current {@link Snapshot}, the followers waiting for a newer one, and the
 * fetch loop that produces them. At most one fetch runs per entry (single flight); a refreshing
 * entry chains the next fetch to the end of the last one for as long as the entry lives.
 *
 * <p>Locking: the monitor of this object guards the fields marked so. It is held only for
 * bookkeeping: a type's fetch, its {@code isFatal}, a state's {@code close} and the completion
 * of a follower's future all run after it is released.
 */
final class Entry {

    /** Someone waiting on the entry for a store: a {@link Waiter}. */
    interface Follower {

        /** A fetch stored {@code snapshot}. */
        void onStore(Snapshot snapshot);

        /** The entry was removed; {@code last} is what it held. */
        void entryRemoved(Snapshot last, boolean closing);

        /** Whether {@code drain()} answers it: a caller, not a watch's read. */
        boolean isCaller();

        /** Answers now with what the entry has, as a timeout would; returns the answered future. */
        CompletableFuture<?> answerNow();

        /** Whether it has left already (answered or cancelled): it must not join again. */
        boolean released();
    }

    private enum FetchState { IDLE, SCHEDULED, RUNNING }

    private static final Logger log = LoggerFactory.getLogger(Entry.class);

    final EntryKey key;
    final TypeRegistration type;
    /** Shown in base 36 ({@link #id()}); a number, so that thousands of entries keep no string each. */
    private final long id;
    /** The fetch rate limit; null without one (the default), so an entry holds no bucket for nothing. */
    @GuardedBy("this")
    private @Nullable TokenBucket bucket;
    private final CacheRuntime runtime;
    private final Fetcher fetcher;

    /** Replaced whole under the monitor; read without it. */
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /*
     * The table's lease on this entry: waiters holding it, its last use on the table's clock,
     * and whether the table is removing it as idle. Only EntryTable's handles read or write
     * them (see EntryTable#idle); the entry itself never does.
     */
    @SuppressWarnings("unused")
    private volatile int holders;
    @SuppressWarnings("unused")
    private volatile long lastUse;
    @SuppressWarnings("unused")
    private volatile boolean expiring;
    /** The latest request that missed: handed to the type on each fetch. */
    private volatile CacheRequest request;

    @GuardedBy("this")
    private final Followers followers = new Followers();
    @GuardedBy("this")
    private FetchState fetchState = FetchState.IDLE;
    @GuardedBy("this")
    private long generation;
    @GuardedBy("this")
    private @Nullable Future<?> scheduled;
    /** Whether the scheduled fetch waits out a refresh timer or backoff (not only the rate limit). */
    @GuardedBy("this")
    private boolean scheduledByRefresh;
    @GuardedBy("this")
    private Fetcher.@Nullable Run running;
    @GuardedBy("this")
    private final Attempts attempts = new Attempts();
    @GuardedBy("this")
    private boolean dead;
    /** The kill that set {@code dead} has finished: the state is closed, the followers released. */
    @GuardedBy("this")
    private boolean buried;
    /**
     * The thread of that kill while it runs: a kill it causes itself (a released caller closing
     * the cache) must not wait for itself.
     */
    @GuardedBy("this")
    private @Nullable Thread killer;

    Entry(CacheRuntime runtime, Fetcher fetcher, EntryKey key, TypeRegistration type, long id,
          CacheRequest request) {
        this.runtime = runtime;
        this.fetcher = fetcher;
        this.key = key;
        this.type = type;
        this.id = id;
        this.request = request;
        this.bucket = runtime.newBucket();
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** Swaps in {@code next}; under the monitor. */
    @GuardedBy("this")
    private void swap(Snapshot next) {
        if (type.refresh) {
            type.metrics.stateChanged(snapshot, next);
        }
        snapshot = next;
    }

    void request(CacheRequest request) {
        this.request = request;
    }

    /** The entry's id, as snapshots and the endpoint show it. */
    String id() {
        return Long.toString(id, 36);
    }

    /** Whether {@code entryId} ({@code parsed} in base 36) names this entry; a string is made only for a match. */
    boolean hasId(long parsed, String entryId) {
        return id == parsed && id().equals(entryId);
    }

    synchronized boolean fetching() {
        return fetchState == FetchState.RUNNING;
    }

    /** Followers waiting right now (callers and watch reads). */
    synchronized int followers() {
        return followers.size();
    }

    @Override
    public synchronized String toString() {
        return "Entry[id=" + id() + ", " + key + ", holders=" + EntryTable.holders(this) + ", followers=" + followers
                + ", dead=" + dead + ", fetchState=" + fetchState + "]";
    }

    /** Takes the cache's new fetch rate. */
    synchronized void configureRate(double rate, int maxBurst) {
        bucket = TokenBucket.of(rate, maxBurst, bucket);
    }

    /**
     * Adds a follower who looked at snapshot {@code seenVersion} and was not satisfied. If a
     * store happened since that look, it judges that store at once rather than waiting for the next.
     */
    void follow(Follower follower, long seenVersion) {
        Snapshot missed = null;
        boolean added;
        synchronized (this) {
            // Checked under the monitor that unfollow() takes: a follower that left before it
            // joined (cancelled meanwhile) is never added, and one that leaves after is removed.
            if (follower.released()) {
                return;
            }
            added = !dead;
            if (added) {
                followers.add(follower);
                if (snapshot.version() != seenVersion) {
                    missed = snapshot;
                }
            }
        }
        if (!added) {
            follower.entryRemoved(snapshot, runtime.isClosed());
        } else if (missed != null) {
            follower.onStore(missed);
        } else {
            ensureFetch();
        }
    }

    synchronized void unfollow(Follower follower) {
        followers.remove(follower);
    }

    /** The callers (not watches) waiting right now; for drain(). */
    synchronized List<Follower> waitingCallers() {
        List<Follower> callers = new ArrayList<>();
        for (Follower follower : followers.copy()) {
            if (follower.isCaller()) {
                callers.add(follower);
            }
        }
        return callers;
    }

    /** Starts a fetch unless one is running, or a refresh is scheduled and there is a value to wait with. */
    void ensureFetch() {
        synchronized (this) {
            if (dead || fetchState == FetchState.RUNNING) {
                return;
            }
            if (fetchState == FetchState.SCHEDULED) {
                // A refresh waits out its timer or a backoff. Someone waiting on a newer index
                // can wait with it; someone with nothing valid to read should not. A wait for the
                // rate limit is never cut short: restarting it would only take another token.
                if (snapshot.valid() || !scheduledByRefresh) {
                    return;
                }
                cancelScheduledLocked();
            }
            if (!startLocked(0)) {
                return;
            }
        }
        fetchNow();
    }

    /** Cancels the scheduled fetch (SCHEDULED always has one). */
    @GuardedBy("this")
    private void cancelScheduledLocked() {
        Future<?> pending = scheduled;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /**
     * Cuts a backoff short: the source answers again, so a refresh that waits out failures
     * starts now. A refresh timer or a rate-limit wait is left alone. Returns whether a fetch
     * started.
     */
    boolean retryNow() {
        synchronized (this) {
            if (dead || fetchState != FetchState.SCHEDULED || !scheduledByRefresh || attempts.failures() == 0) {
                return false;
            }
            cancelScheduledLocked();
            if (!startLocked(type.refreshTimerNanos)) {
                return false;
            }
        }
        fetchNow();
        return true;
    }

    /**
     * Reserves a rate-limit token and either marks the fetch running (true: the caller must
     * call {@link #fetchNow()} after releasing the monitor) or schedules it for later.
     */
    @GuardedBy("this")
    private boolean startLocked(long delayNanos) {
        TokenBucket limit = bucket;
        long waitNanos = delayNanos + (limit == null ? 0 : limit.reserve(runtime.now() + delayNanos));
        if (waitNanos <= 0) {
            fetchState = FetchState.RUNNING;
            return true;
        }
        long myGeneration = ++generation;
        fetchState = FetchState.SCHEDULED;
        scheduledByRefresh = delayNanos > 0;
        scheduled = runtime.schedule(waitNanos, () -> runScheduled(myGeneration));
        return false;
    }

    private void runScheduled(long myGeneration) {
        synchronized (this) {
            // A newer schedule or an early start replaced this one.
            if (dead || fetchState != FetchState.SCHEDULED || generation != myGeneration) {
                return;
            }
            fetchState = FetchState.RUNNING;
        }
        fetchNow();
    }

    private void fetchNow() {
        Snapshot current = snapshot;
        // Non-blocking types are never asked for a minimum index: they could not honour it.
        Fetcher.Run run = fetcher.newRun(type, new FetchOptions<>(type.blocking ? current.index() : 0,
                type.queryTimeout, current.lastResult()));
        synchronized (this) {
            if (dead) {
                return;
            }
            // Kept before it starts, so that kill() can always stop the run that is going.
            running = run;
        }
        fetcher.start(run, request, this::store);
    }

    /** Stores a value handed in by the application; no fetch ran, so none is counted and none follows. */
    void prepopulate(FetchResult<?> result) {
        Snapshot previous;
        Snapshot next;
        List<Follower> toWake;
        synchronized (this) {
            if (dead) {
                return;
            }
            previous = snapshot;
            next = previous.succeeded(result, runtime.ticker(), runtime.now(), type.refresh);
            swap(next);
            toWake = followers.copy();
        }
        stored(previous, next, toWake);
    }

    /**
     * Swaps in the snapshot a fetch produced, counts the fetch, wakes the followers, then starts
     * the next fetch.
     */
    private void store(Fetcher.Outcome outcome) {
        boolean fetchNext = false;
        boolean warnNoProgress = false;
        boolean warnInvalidIndex = false;
        TypeMetrics.FetchOutcome counted;
        Snapshot previous;
        Snapshot next;
        List<Follower> toWake;
        long minIndex = outcome.run().options.minIndex();
        synchronized (this) {
            previous = snapshot;
            if (running == outcome.run()) {
                running = null;
            }
            if (dead) {
                counted = outcome.counted();
                next = null;
                toWake = List.of();
            } else {
                long now = runtime.now();
                next = outcome.error() != null
                        ? previous.failed(outcome.error(), runtime.ticker(), now, type.refresh, outcome.fatal())
                        : previous.succeeded(outcome.success(), runtime.ticker(), now, type.refresh);
                swap(next);
                counted = attempts.record(type, outcome.result(), outcome.error(), outcome.fatal(), minIndex,
                        next.index(), outcome.tookNanos());
                warnNoProgress = attempts.warnNoProgress();
                warnInvalidIndex = attempts.warnInvalidIndex();
                fetchState = FetchState.IDLE;
                if (type.refresh && !outcome.fatal()) {
                    long backoff = runtime.backoff().waitNanos(attempts.failures());
                    fetchNext = startLocked(type.refreshTimerNanos + backoff);
                }
                toWake = followers.copy();
            }
        }
        outcome.run().record(counted, outcome.tookNanos(), outcome.error());
        if (next == null) {
            // The entry was removed while this fetch ran: its state belongs to no one now.
            Object orphan = outcome.result() == null ? null : outcome.result().state();
            if (orphan != null && orphan != previous.state()) {
                runtime.closeQuietly(orphan, key);
            }
            return;
        }
        if (warnNoProgress) {
            log.warn("Cache type '{}' answered key '{}' {} times in a row at once without moving past index {}: "
                    + "it does not block on minIndex, so the entry now backs off. A blocking type should wait "
                    + "for a change or its timeout, and answer FetchResult.unchanged(minIndex) when nothing "
                    + "changed", type.name, key.key(), Attempts.NO_PROGRESS_LIMIT, minIndex);
        }
        if (warnInvalidIndex) {
            log.warn("Cache type '{}' answered key '{}' with index {}: an index must be 1 or more (the source's "
                    + "version of the data: an etcd revision, a Raft index, an ETag counter), or a blocking query "
                    + "asked past it would return at once. The value is kept; the entry backs off as after a "
                    + "failure, and such answers are counted as outcome=invalid_index", type.name, key.key(),
                    outcome.success().index());
        }
        stored(previous, next, toWake);
        if (fetchNext) {
            fetchNow();
        }
    }

    /** After a store, outside the monitor: closes a replaced state, logs contact, wakes the followers. */
    private void stored(Snapshot previous, Snapshot next, List<Follower> toWake) {
        if (previous.state() != null && previous.state() != next.state()) {
            // Replaced (or dropped) by the newest result: no one will hand it back, so close it now.
            runtime.closeQuietly(previous.state(), key);
        }
        type.contact.transition(runtime, key, previous, next);
        // Followers first: a next fetch that ends quickly would otherwise store (and wake them
        // with) its own outcome before they heard of this one, e.g. hand an error to a caller
        // whose fetch succeeded.
        for (Follower follower : toWake) {
            follower.onStore(next);
        }
    }

    /**
     * Removes the entry for good: no fetch starts again, the running one is interrupted or
     * cancelled, followers are released (with an error if the cache is closing, else with the
     * last value, like a timeout) and the state is closed. Idempotent, and done when it returns
     * whoever calls it: the cache's removal callback may kill the entry at the same time as
     * {@code evict}, which must not return before the state is closed, so a second caller waits
     * for the first to finish.
     */
    void kill(boolean closing) {
        List<Follower> released;
        Fetcher.Run toCancel;
        synchronized (this) {
            if (dead) {
                if (killer != Thread.currentThread()) {
                    awaitBuriedLocked();
                }
                return;
            }
            killer = Thread.currentThread();
            dead = true;
            if (type.refresh) {
                // Gone from the type's counts; its snapshot stays for whoever still holds it.
                type.metrics.stateChanged(snapshot, Snapshot.EMPTY);
            }
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            toCancel = running;
            running = null;
            released = followers.copy();
            followers.clear();
            fetchState = FetchState.IDLE;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
        Snapshot last = snapshot;
        for (Follower follower : released) {
            follower.entryRemoved(last, closing);
        }
        // Once: only the first kill gets here (dead is set under the monitor).
        try {
            if (last.state() != null) {
                runtime.closeQuietly(last.state(), key);
            }
        } finally {
            synchronized (this) {
                buried = true;
                killer = null;
                notifyAll();
            }
        }
    }

    /** Waits, without giving up on an interrupt (kept for the caller), until the first kill has finished. */
    @GuardedBy("this")
    private void awaitBuriedLocked() {
        boolean interrupted = false;
        while (!buried) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
