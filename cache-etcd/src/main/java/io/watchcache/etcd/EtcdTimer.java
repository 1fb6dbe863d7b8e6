package io.watchcache.etcd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread for the etcd types' short, non-blocking work: the deadline wheels, one health
 * check per watch stream, read hedges, and hops off the stream callbacks (a stream's failure is
 * heard by each of its watches, so completing their fetches is done here, not in the callback).
 */
final class EtcdTimer {

    private static final Logger log = LoggerFactory.getLogger(EtcdTimer.class);
    private static final ScheduledThreadPoolExecutor TIMER = create();

    private EtcdTimer() {
    }

    static ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return TIMER.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs {@code task} every {@code period}. A periodic task that throws would be cancelled
     * without a word by the executor (a watch would silently stop being checked), so a failure
     * is logged and the task goes on.
     */
    static ScheduledFuture<?> every(Runnable task, Duration period) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("A periodic etcd task failed; it goes on", e);
            }
        };
        return TIMER.scheduleWithFixedDelay(guarded, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    static void execute(Runnable task) {
        TIMER.execute(task);
    }

    /** Tasks waiting on the timer (for tests and diagnostics). */
    static int queued() {
        return TIMER.getQueue().size();
    }

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "watchcache-etcd-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
