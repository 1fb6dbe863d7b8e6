package io.watchcache.etcd;

import io.watchcache.FetchResult;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The one fetch of a {@link RangeWatch} that waits for its range to change: the future the cache
 * holds ({@link #future}), the index it knows, and its deadline on the type's {@link Deadlines}.
 * The cache cancelling the future (the entry went) is seen by the future itself, which tells
 * the fetch: no callback is registered for it.
 *
 * @param <V> the value type
 */
final class PendingFetch<V> extends Deadlines.Waiting {

    /** What a waiting fetch tells the watch it waits on; called without a lock held. */
    interface Owner<V> {

        /** The deadline passed with nothing to answer. */
        void timedOut(PendingFetch<V> fetch);

        /** The cache cancelled the fetch. */
        void abandoned(PendingFetch<V> fetch);
    }

    /** The index the cache has: a value with another one is news. */
    final long minIndex;
    /** What the cache holds while the fetch waits. */
    final CompletableFuture<FetchResult<V>> future = new Answer();
    private final Owner<V> owner;
    private final Deadlines deadlines;

    PendingFetch(long minIndex, Owner<V> owner, Deadlines deadlines) {
        this.minIndex = minIndex;
        this.owner = owner;
        this.deadlines = deadlines;
    }

    /** Starts the deadline: {@link Owner#timedOut} after {@code timeout} unless answered first. */
    void waitAtMost(Duration timeout) {
        deadlines.add(this, timeout);
    }

    void answer(FetchResult<V> result) {
        deadlines.remove(this);
        future.complete(result);
    }

    void fail(Throwable error) {
        deadlines.remove(this);
        future.completeExceptionally(error);
    }

    @Override
    boolean isDone() {
        return future.isDone();
    }

    @Override
    void expired() {
        owner.timedOut(this);
    }

    /** The fetch's future: a cancel by the cache ends the wait. */
    private final class Answer extends CompletableFuture<FetchResult<V>> {

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                deadlines.remove(PendingFetch.this);
                owner.abandoned(PendingFetch.this);
            }
            return cancelled;
        }
    }
}
