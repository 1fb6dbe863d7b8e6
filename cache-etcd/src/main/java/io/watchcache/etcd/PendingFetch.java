package io.watchcache.etcd;

import io.watchcache.FetchResult;

import java.time.Duration;

/**
 * The one fetch of a {@link RangeWatch} that waits for its range to change: the future the cache
 * holds, the index it knows, and its deadline on the type's {@link Deadlines}. A thousand quiet
 * entries each keep one, so it is the future itself (no second future, no callback), and the
 * cache cancelling it (the entry went) is seen by overriding {@link #cancel}.
 *
 * @param <V> the value type
 */
final class PendingFetch<V> extends Deadlines.Waiting<FetchResult<V>> {

    /** What a waiting fetch tells the watch it waits on; called without a lock held. */
    interface Owner<V> {

        /** The deadline passed with nothing to answer. */
        void timedOut(PendingFetch<V> fetch);

        /** The cache cancelled the fetch. */
        void abandoned(PendingFetch<V> fetch);
    }

    /** The index the cache has: a value with another one is news. */
    final long minIndex;
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
        complete(result);
    }

    void fail(Throwable error) {
        deadlines.remove(this);
        completeExceptionally(error);
    }

    @Override
    void expired() {
        owner.timedOut(this);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            deadlines.remove(this);
            owner.abandoned(this);
        }
        return cancelled;
    }
}
