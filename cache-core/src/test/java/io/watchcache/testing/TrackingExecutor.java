package io.watchcache.testing;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An executor for a cache under test that counts its tasks, so that a test can wait until the
 * work a step started has finished ({@link #running()} back where it was) instead of sleeping
 * through a "nothing else happens" window. A thread per task, like the cache's own: a blocking
 * query holds its thread, and the count shows it as running.
 */
public final class TrackingExecutor implements Executor, AutoCloseable {

    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "tracked-executor");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();

    @Override
    public void execute(Runnable task) {
        submitted.incrementAndGet();
        threads.execute(() -> {
            try {
                task.run();
            } finally {
                finished.incrementAndGet();
            }
        });
    }

    /** Tasks submitted and not finished: running, or about to. */
    public long running() {
        return submitted.get() - finished.get();
    }

    public long submitted() {
        return submitted.get();
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
