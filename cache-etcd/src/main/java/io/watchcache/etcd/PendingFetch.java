package io.watchcache.etcd;

import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.BiConsumer;

/**
 * The one fetch of a {@link RangeWatch} that waits for its range to change: the cache's callback,
 * the index it knows, and its deadline on the type's {@link Deadlines} (reached through its
 * owner). It is also the cancel action the cache keeps ({@link #run}): while it waits, the cache
 * holds it and nothing else.
 *
 * @param <V> the value type
 */
final class PendingFetch<V> extends Deadlines.Waiting implements Runnable {

    /** What a waiting fetch tells the watch it waits on; called without a lock held. */
    interface Owner<V> {

        /** The deadline passed with nothing to answer. */
        void timedOut(PendingFetch<V> fetch);

        /** The cache cancelled the fetch. */
        void abandoned(PendingFetch<V> fetch);

        /** Where the fetch's deadline is kept: the type's. */
        Deadlines deadlines();
    }

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(PendingFetch.class, "done", BiConsumer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The index the cache has: a value with another one is news. */
    final long minIndex;
    private final Owner<V> owner;
    /** The cache's callback until the fetch answers; null from then on (through DONE: the one answer). */
    private volatile @Nullable BiConsumer<? super FetchResult<V>, ? super Throwable> done;

    PendingFetch(long minIndex, Owner<V> owner, BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
        this.minIndex = minIndex;
        this.owner = owner;
        this.done = done;
    }

    /** Starts the deadline: {@link Owner#timedOut} after {@code timeout} unless answered first. */
    void waitAtMost(Duration timeout) {
        owner.deadlines().add(this, timeout);
    }

    void answer(FetchResult<V> result) {
        BiConsumer<? super FetchResult<V>, ? super Throwable> callback = finish();
        if (callback != null) {
            callback.accept(result, null);
        }
    }

    void fail(Throwable error) {
        BiConsumer<? super FetchResult<V>, ? super Throwable> callback = finish();
        if (callback != null) {
            callback.accept(null, error);
        }
    }

    /** The cache cancelled the fetch (its entry went, or the watch closed): ends the wait. */
    @Override
    public void run() {
        BiConsumer<? super FetchResult<V>, ? super Throwable> callback = finish();
        if (callback != null) {
            owner.abandoned(this);
            callback.accept(null, new CancellationException("the etcd fetch was cancelled"));
        }
    }

    /** Takes the callback for the one answer, leaving the deadlines; null once answered. */
    @SuppressWarnings("unchecked")
    private @Nullable BiConsumer<? super FetchResult<V>, ? super Throwable> finish() {
        BiConsumer<? super FetchResult<V>, ? super Throwable> callback =
                (BiConsumer<? super FetchResult<V>, ? super Throwable>) DONE.getAndSet(this, null);
        if (callback != null) {
            owner.deadlines().remove(this);
        }
        return callback;
    }

    @Override
    boolean isDone() {
        return done == null;
    }

    @Override
    void expired() {
        owner.timedOut(this);
    }
}
