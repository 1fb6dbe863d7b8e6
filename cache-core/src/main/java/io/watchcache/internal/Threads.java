package io.watchcache.internal;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/** The cache's own threads, when the application gives it none. */
final class Threads {

    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    private Threads() {
    }

    /**
     * The cache's own executor: virtual threads when asked for and the JVM has them (Java 21+),
     * else an {@link ElasticExecutor} of daemon threads named {@code watchcache-*}. Never a
     * bounded pool with a queue: blocking queries hold their thread for minutes, and a queued
     * fetch behind them would starve.
     */
    static ExecutorService ownExecutor(boolean virtualThreads, ScheduledExecutorService timer) {
        ExecutorService virtual = virtualThreads ? virtualThreadExecutor("watchcache-") : null;
        return virtual != null ? virtual
                : new ElasticExecutor(Math.max(2, Runtime.getRuntime().availableProcessors()),
                        daemonFactory("watchcache-"), timer);
    }

    /** A thread per task on virtual threads named {@code prefix + n}, or null before Java 21. */
    static @Nullable ExecutorService virtualThreadExecutor(String prefix) {
        // Reflection keeps the bytecode at Java 17 while still using Loom where it exists.
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
            ThreadFactory factory = (ThreadFactory) builderType.getMethod("factory").invoke(builder);
            return (ExecutorService) Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class)
                    .invoke(null, factory);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("Virtual threads are not available, using platform threads", e);
            return null;
        }
    }

    /**
     * The cache's timer thread: it runs the coarse clock's tick and the executor's growth check
     * itself (both short and never blocking), and hands scheduled work (refreshes, backoffs,
     * the idle sweep) on to the executor.
     */
    static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonFactory("watchcache-timer-"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return timer;
    }

    static ThreadFactory daemonFactory(String prefix) {
        AtomicLong count = new AtomicLong();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
