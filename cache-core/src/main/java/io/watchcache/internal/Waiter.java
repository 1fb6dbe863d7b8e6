package io.watchcache.internal;

import io.watchcache.RequestInfo;
import io.watchcache.Result;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A caller waiting for an entry to satisfy its request: parked in {@code get}, or behind a
 * {@code getAsync} future (a consistent read's entry reads too). It is a future, not a thread:
 * each store re-judges it, a timer ends it at its timeout, and cancelling the future takes it off
 * the entry. An entry that leaves the table before it has a value (evicted, expired, or over the
 * size bound) hands it on to the key's next entry, within the same timeout.
 */
final class Waiter implements Follower {

    private final CacheRuntime runtime;
    private final EntryTable table;
    /** The entry it waits on: the one it joined, or the key's next one ({@link #moveOn}). Guarded by this for moves. */
    private volatile Entry entry;
    /** The key's entry now, made if need be: where it waits when its entry leaves without a value. */
    private final Supplier<Entry> next;
    private final RequestInfo info;
    private final long minIndex;
    private final Kind kind;
    final CompletableFuture<Result<Object>> future = new CompletableFuture<>();
    private volatile @Nullable Future<?> timeout;
    private final AtomicBoolean released = new AtomicBoolean();

    /** Who waits: how the answer is delivered. A watch follows its entry itself ({@link Watch}). */
    enum Kind {
        /**
         * A caller parked in {@code get}: answered on the thread that stored the value (it only
         * unparks the caller). Without a timeout of its own it waits as long as a blocking query.
         */
        CALLER(true),
        /** A {@code getAsync} future: answered on the executor, so user callbacks never run on a fetch thread. */
        ASYNC_CALLER(false);

        final boolean completeInline;

        Kind(boolean completeInline) {
            this.completeInline = completeInline;
        }
    }

    Waiter(CacheRuntime runtime, EntryTable table, Entry entry, RequestInfo info, Kind kind, Supplier<Entry> next) {
        this.runtime = runtime;
        this.next = next;
        this.table = table;
        this.entry = entry;
        this.info = info;
        this.minIndex = entry.type.blocking ? info.minIndex() : 0;
        this.kind = kind;
    }

    /** Joins the entry, arms the timeout, and keeps the entry alive while it waits. */
    void start(int seenVersion) {
        table.hold(entry);
        // Covers a caller that cancels; an answer releases first (see finish).
        future.whenComplete((r, e) -> release());
        // Without a timeout of its own a caller waits as long as a blocking query may: an index
        // far beyond the entry's may take that long, and no longer, to come.
        Duration wait = info.timeout() != null ? info.timeout() : entry.type.queryTimeout;
        if (wait != null) {
            timeout = runtime.schedule(wait.toNanos(), this::timedOut);
        }
        entry.follow(this, seenVersion);
        // drain() sets its flag before it sweeps the entries: a caller that joined after the
        // sweep of its entry sees the flag here, so none is left parked.
        if (runtime.draining()) {
            answerNow();
        }
    }

    @Override
    public boolean isCaller() {
        return true;
    }

    @Override
    public CompletableFuture<?> answerNow() {
        timedOut();
        return future;
    }

    /**
     * A fetch stored {@code snapshot}: answer with it, fail with its error, or keep waiting. A
     * notice from an entry it has moved on from ({@link #moveOn}) is not about its wait.
     */
    @Override
    public void onStore(Entry from, Snapshot snapshot) {
        if (!future.isDone() && from == entry) {
            // This caller had to wait for the fetch, so it sees the fetch's error if it failed.
            Freshness.afterStore(from, snapshot, info, minIndex, false, runtime.ticker(), this::complete);
        }
    }

    /** Like a blocking query: at the timeout the caller gets the last known value, no error. */
    private void timedOut() {
        complete(Results.of(entry.type, entry.snapshot(), runtime.ticker()), null);
    }

    /**
     * The entry left the table. With a value it answers, as a timeout would. Without one the
     * caller was promised a fetch, not a null: it waits on the key's next entry, within the same
     * timeout. The move runs on the executor: a storm of removals (each next entry evicted
     * before its fetch answers) must not recurse on the remover's stack.
     */
    @Override
    public void entryRemoved(Entry from, Snapshot last, boolean closing) {
        if (from != entry) {
            return;
        }
        if (closing) {
            complete(null, new IllegalStateException("WatchCache is closed"));
            return;
        }
        if (last.valid()) {
            complete(Results.of(from.type, last, runtime.ticker()), null);
            return;
        }
        try {
            runtime.execute(this::moveOn);
        } catch (RejectedExecutionException e) {
            complete(null, new IllegalStateException("WatchCache is closed"));
        }
    }

    /** Waits on the key's entry now instead of the one that left. */
    private void moveOn() {
        Entry now;
        try {
            now = next.get();
        } catch (RuntimeException e) {
            // The cache closed meanwhile.
            finish(null, e);
            return;
        }
        Entry left;
        synchronized (this) {
            if (released.get()) {
                return;
            }
            left = entry;
            entry = now;
            table.hold(now);
        }
        table.release(left);
        Snapshot seen = now.snapshot();
        if (Freshness.satisfies(now.type, seen, info, info.minIndex(), Freshness.Look.FIRST, false,
                runtime.ticker())) {
            complete(Results.of(now.type, seen, runtime.ticker()), null);
        } else {
            now.follow(this, seen.version());
        }
    }

    private void complete(@Nullable Result<Object> result, @Nullable Throwable error) {
        // On close the executor may already refuse work; the caller must get out regardless.
        if (kind.completeInline || runtime.isClosed()) {
            finish(result, error);
        } else {
            runtime.execute(() -> finish(result, error));
        }
    }

    /**
     * Leaves the entry and restarts its TTL from now. Runs before the future completes, so a
     * caller that returns from {@code get} finds the entry's expiry already counted from its read.
     */
    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        Future<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        Entry joined;
        synchronized (this) {
            joined = entry;
        }
        joined.unfollow(this);
        table.release(joined);
    }

    @Override
    public boolean released() {
        return released.get();
    }

    @Override
    public String toString() {
        return "Waiter[" + kind + ", minIndex=" + minIndex + ", done=" + future.isDone() + ", released="
                + released.get() + "]";
    }

    private void finish(@Nullable Result<Object> result, @Nullable Throwable error) {
        if (future.isDone()) {
            return;
        }
        release();
        if (error != null) {
            future.completeExceptionally(error);
        } else {
            future.complete(result);
        }
    }
}
