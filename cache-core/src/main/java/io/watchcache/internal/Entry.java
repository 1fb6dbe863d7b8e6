package io.watchcache.internal;

import io.micrometer.observation.Observation;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cached entry: its current {@link Snapshot}, the callers waiting for a newer one, and the
 * fetch loop that produces them. At most one fetch runs per entry (single flight); a refreshing
 * entry chains the next fetch to the end of the last one for as long as the entry lives.
 *
 * <p>Locking: the monitor of this object guards the fields marked so. It is held only for
 * bookkeeping: a type's fetch, its {@code isFatal}, a state's {@code close} and the completion
 * of a waiter's future all run after it is released.
 */
final class Entry {

    private enum FetchState { IDLE, SCHEDULED, RUNNING }

    private static final Logger log = LoggerFactory.getLogger(Entry.class);

    final EntryKey key;
    final TypeRegistration type;
    final String id;
    final TokenBucket bucket;
    private final CacheRuntime runtime;
    private final EntryTable table;

    /** Replaced whole under the monitor; read without it. */
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** The latest request that missed: handed to the type on each fetch. */
    private volatile CacheRequest request;
    /** Callers waiting in {@code get}; while above zero the entry does not expire. */
    final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean stateClosed = new AtomicBoolean();
    /** Whether {@link EntryTable} has an expiry check pending for this entry. */
    final AtomicBoolean expiryCheckArmed = new AtomicBoolean();
    /**
     * When a read last renewed the TTL, on the expiry clock. Written without a lock by whichever
     * reader renews: a lost update only means one more renewal.
     */
    volatile long renewedAt;

    // Guarded by this.
    private final Set<Waiter> waiters = new LinkedHashSet<>();
    private FetchState fetchState = FetchState.IDLE;
    private long generation;
    private Future<?> scheduled;
    /** Whether the scheduled fetch waits out a refresh timer or backoff (not only the rate limit). */
    private boolean scheduledByRefresh;
    private Thread fetchThread;
    private CompletableFuture<FetchResult<Object>> fetchStage;
    private final Attempts attempts = new Attempts();
    private boolean dead;

    Entry(CacheRuntime runtime, EntryTable table, EntryKey key, TypeRegistration type, String id,
            CacheRequest request) {
        this.runtime = runtime;
        this.table = table;
        this.key = key;
        this.type = type;
        this.id = id;
        this.request = request;
        this.bucket = runtime.newBucket();
        this.renewedAt = table.expiryNow();
    }

    Snapshot snapshot() {
        return snapshot;
    }

    void request(CacheRequest request) {
        this.request = request;
    }

    synchronized boolean fetching() {
        return fetchState == FetchState.RUNNING;
    }

    /**
     * Adds a caller who looked at snapshot {@code seenVersion} and was not satisfied. If a store
     * happened since that look, the waiter judges it at once rather than waiting for the next.
     */
    void addWaiter(Waiter waiter, long seenVersion) {
        Snapshot missed = null;
        boolean added;
        synchronized (this) {
            added = !dead;
            if (added) {
                waiters.add(waiter);
                if (snapshot.version() != seenVersion) {
                    missed = snapshot;
                }
            }
        }
        if (!added) {
            waiter.entryRemoved(snapshot, runtime.isClosed());
        } else if (missed != null) {
            waiter.onStore(missed);
        } else {
            ensureFetch();
        }
    }

    /** The callers (not watches) waiting right now; for drain(). */
    synchronized List<Waiter> waitingCallers() {
        List<Waiter> callers = new ArrayList<>();
        for (Waiter waiter : waiters) {
            if (waiter.isCaller()) {
                callers.add(waiter);
            }
        }
        return callers;
    }

    /** Whether the entry was removed (expired, evicted, or the cache closed). */
    synchronized boolean isDead() {
        return dead;
    }

    synchronized void removeWaiter(Waiter waiter) {
        waiters.remove(waiter);
    }

    /** Re-computes the entry's expiry (a waiter came or went). */
    void touch() {
        table.touch(this);
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
                scheduled.cancel(false);
            }
            if (!startLocked(0)) {
                return;
            }
        }
        fetchNow();
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
            scheduled.cancel(false);
            if (!startLocked(type.refreshTimerNanos)) {
                return false;
            }
        }
        fetchNow();
        return true;
    }

    /** Stores a value handed in by the application; starts no fetch. */
    void prepopulate(FetchResult<?> result) {
        store(result, null, false, false, 0, 0, null);
    }

    /**
     * Reserves a rate-limit token and either marks the fetch running (true: the caller must
     * call {@link #fetchNow()} after releasing the monitor) or schedules it for later.
     */
    private boolean startLocked(long delayNanos) {
        long waitNanos = delayNanos + bucket.reserve(runtime.now() + delayNanos);
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
        long minIndex = type.blocking ? current.index() : 0;
        FetchOptions<Object> options = new FetchOptions<>(minIndex, type.queryTimeout, current.lastResult());
        long started = runtime.now();
        CacheRequest req = request;
        Observation observation = type.metrics.startFetch();
        if (type.asyncType != null) {
            CompletableFuture<FetchResult<Object>> stage;
            // The observation is current while the type starts its call, so a client span it
            // opens is this fetch's child.
            try (Observation.Scope ignored = observation == null ? null : observation.openScope()) {
                stage = type.asyncType.fetchAsync(options, req).toCompletableFuture();
            } catch (Throwable t) {
                stage = CompletableFuture.failedFuture(t);
            }
            boolean cancel;
            synchronized (this) {
                cancel = dead;
                fetchStage = cancel ? null : stage;
            }
            if (cancel) {
                stage.cancel(true);
            }
            if (stage.isDone()) {
                // Already answered: hop, so that a type answering at once cannot recurse
                // fetch -> store -> fetch on this stack.
                CompletableFuture<FetchResult<Object>> done = stage;
                runtime.execute(() -> done.whenComplete((result, error) -> complete(result, error, started, minIndex,
                        observation)));
            } else {
                // Store on the thread that answers: it is short, never blocks, and waiters that
                // run user code hop on their own. A hop per answer would cost a task per change.
                stage.whenComplete((result, error) -> complete(result, error, started, minIndex, observation));
            }
        } else {
            runtime.execute(() -> runSync(options, req, started, observation));
        }
    }

    private void runSync(FetchOptions<Object> options, CacheRequest req, long started, Observation observation) {
        synchronized (this) {
            if (dead) {
                return;
            }
            fetchThread = Thread.currentThread();
        }
        FetchResult<Object> result = null;
        Throwable error = null;
        try (Observation.Scope ignored = observation == null ? null : observation.openScope()) {
            result = type.type.fetch(options, req);
        } catch (Throwable t) {
            error = t;
        } finally {
            synchronized (this) {
                fetchThread = null;
            }
            // An interrupt aimed at this fetch must not leak into the pool thread's next task.
            Thread.interrupted();
        }
        complete(result, error, started, options.minIndex(), observation);
    }

    private void complete(FetchResult<Object> result, Throwable error, long started, long minIndex,
                          Observation observation) {
        error = Futures.unwrap(error);
        if (error == null && result == null) {
            error = new IllegalStateException("cache type '" + type.name + "' returned no FetchResult");
        }
        boolean fatal = error != null && !(error instanceof CancellationException) && type.isFatal(error);
        store(result, error, true, fatal, minIndex, runtime.now() - started, observation);
    }

    /**
     * Swaps in the snapshot a fetch produced, wakes the waiters, then starts the next fetch.
     * {@code fetched} is false for a prepopulated value: no fetch ran, so none follows.
     */
    private void store(FetchResult<?> result, Throwable error, boolean fetched, boolean fatal, long minIndex,
                       long tookNanos, Observation observation) {
        boolean fetchNext = false;
        boolean warnNoProgress = false;
        TypeMetrics.FetchOutcome outcome = null;
        Snapshot previous;
        Snapshot next;
        List<Waiter> toWake;
        Object orphanState = null;
        Object replacedState = null;
        synchronized (this) {
            previous = snapshot;
            if (fetched) {
                fetchThread = null;
                fetchStage = null;
            }
            if (dead) {
                // The entry was removed while this fetch ran: its state belongs to no one now.
                if (result != null && result.state() != null && result.state() != snapshot.state()) {
                    orphanState = result.state();
                }
                next = null;
                toWake = List.of();
                if (fetched) {
                    outcome = TypeMetrics.FetchOutcome.of(result, error, fatal);
                }
            } else {
                long now = runtime.now();
                next = error != null ? snapshot.failed(error, now, type.refresh, fatal)
                        : snapshot.succeeded(result, now, type.refresh);
                snapshot = next;
                if (previous.state() != null && previous.state() != next.state()) {
                    // Replaced (or dropped) by the newest result: no one will hand it back, so close it now.
                    replacedState = previous.state();
                }
                if (fetched) {
                    outcome = attempts.record(type, result, error, fatal, minIndex, next.index(), tookNanos);
                    warnNoProgress = attempts.warnNoProgress();
                    fetchState = FetchState.IDLE;
                    if (type.refresh && !fatal) {
                        long backoff = runtime.backoff().waitNanos(attempts.failures());
                        fetchNext = startLocked(type.refreshTimerNanos + backoff);
                    }
                }
                toWake = new ArrayList<>(waiters);
            }
        }
        if (outcome != null) {
            type.metrics.fetch(outcome, tookNanos, observation, error);
        }
        if (warnNoProgress) {
            log.warn("Cache type '{}' answered key '{}' {} times in a row at once without moving past index {}: "
                    + "it does not block on minIndex, so the entry now backs off. A blocking type should wait "
                    + "for a change or its timeout, and answer FetchResult.unchanged(minIndex) when nothing "
                    + "changed", type.name, key.key(), Attempts.NO_PROGRESS_LIMIT, minIndex);
        }
        if (orphanState != null) {
            runtime.closeQuietly(orphanState, key);
        }
        if (replacedState != null) {
            runtime.closeQuietly(replacedState, key);
        }
        if (next != null) {
            ContactLog.transition(type.name, key, previous, next, runtime.now());
        }
        // Waiters first: a next fetch that ends quickly would otherwise store (and wake them
        // with) its own outcome before they heard of this one, e.g. hand an error to a caller
        // whose fetch succeeded.
        for (Waiter waiter : toWake) {
            waiter.onStore(next);
        }
        if (fetchNext) {
            fetchNow();
        }
    }

    /**
     * Removes the entry for good: no fetch starts again, the running one is interrupted or
     * cancelled, waiters are released (with an error if the cache is closing, else with the
     * last value, like a timeout) and the state is closed. Idempotent.
     */
    void kill(boolean closing) {
        List<Waiter> released;
        CompletableFuture<?> stage;
        synchronized (this) {
            if (dead) {
                return;
            }
            dead = true;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            if (fetchThread != null) {
                fetchThread.interrupt();
            }
            stage = fetchStage;
            released = new ArrayList<>(waiters);
            waiters.clear();
            fetchState = FetchState.IDLE;
        }
        if (stage != null) {
            stage.cancel(true);
        }
        Snapshot last = snapshot;
        for (Waiter waiter : released) {
            waiter.entryRemoved(last, closing);
        }
        if (last.state() != null && stateClosed.compareAndSet(false, true)) {
            runtime.closeQuietly(last.state(), key);
        }
    }
}
