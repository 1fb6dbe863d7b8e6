package io.watchcache.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The cache's own threads, when the application gives it none. */
public final class Threads {

    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    private Threads() {
    }

    /**
     * Virtual threads where the JVM has them (Java 21+), else an unbounded pool of daemon
     * threads. Never a bounded pool with a queue: blocking queries hold their thread for
     * minutes, and a queued fetch behind them would starve.
     */
    public static ExecutorService defaultExecutor() {
        ExecutorService virtual = virtualThreadExecutor("watchcache-");
        return virtual != null ? virtual : unboundedDaemonPool("watchcache-");
    }

    /** A thread per task on virtual threads named {@code prefix + n}, or null before Java 21. */
    public static ExecutorService virtualThreadExecutor(String prefix) {
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

    /** Grows as needed, never queues, and lets idle threads go after a minute. */
    public static ExecutorService unboundedDaemonPool(String prefix) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonFactory(prefix));
    }

    /** The one thread that only counts time: it hands every task on to the executor. */
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
