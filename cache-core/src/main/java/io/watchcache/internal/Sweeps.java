package io.watchcache.internal;

import io.watchcache.Scheduler;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * When the idle sweeps of an {@link EntryTable} run: one pass a period, on the executor, while
 * the table has entries, and none while it is empty (an empty cache schedules nothing). The
 * table says what a pass does and whether it is empty; it starts the sweeps with its first
 * entry. They end when the scheduler or the executor refuses work: the cache closed.
 */
final class Sweeps {

    private final Scheduler scheduler;
    private final Executor executor;
    private final long periodNanos;
    private final Runnable pass;
    private final BooleanSupplier empty;
    /** The next pass, while there is one. */
    private volatile @Nullable Future<?> next;
    /** A pass is scheduled or running: set by {@link #start}, cleared when a pass finds the table empty. */
    private final AtomicBoolean running = new AtomicBoolean();

    Sweeps(Scheduler scheduler, Executor executor, long periodNanos, Runnable pass, BooleanSupplier empty) {
        this.scheduler = scheduler;
        this.executor = executor;
        this.periodNanos = periodNanos;
        this.pass = pass;
        this.empty = empty;
    }

    /** Starts the sweeps unless they run: called with each new entry. */
    void start() {
        if (!running.get() && running.compareAndSet(false, true)) {
            scheduleNext();
        }
    }

    /** Cancels the next pass (the cache is closing). */
    void stop() {
        Future<?> pending = next;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /**
     * The next pass, on the executor; after it, the one after, while there are entries (an
     * entry made meanwhile starts them again).
     */
    private void scheduleNext() {
        try {
            next = scheduler.schedule(() -> {
                try {
                    executor.execute(this::sweep);
                } catch (RejectedExecutionException closing) {
                    // The cache is closing: its entries go with it.
                }
            }, periodNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            next = null;
        }
    }

    private void sweep() {
        pass.run();
        if (!empty.getAsBoolean()) {
            scheduleNext();
            return;
        }
        running.set(false);
        if (!empty.getAsBoolean()) {
            start();
        }
    }
}
