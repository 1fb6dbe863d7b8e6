package io.watchcache.etcd;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon thread behind {@link EtcdTime#system()}: the etcd types' short, non-blocking work
 * (the deadline wheels, the streams' health task, read hedges, the failover grace, re-creation
 * backoff, the reachability probe) and hops off the stream callbacks (a stream's failure is heard
 * by each of its watches, so completing their fetches is done here, not in the callback). The
 * thread ends once nothing has been scheduled for a few seconds (a closed cache and connection leave
 * no thread of ours behind) and starts again with the next task.
 */
final class EtcdTimer {

    /** How long the thread waits for work before it ends. */
    static final Duration IDLE = Duration.ofSeconds(5);
    private static final ScheduledThreadPoolExecutor TIMER = create();

    private EtcdTimer() {
    }

    /** Runs {@code task} once after {@code delay}: the core's {@link io.watchcache.Scheduler} shape. */
    static ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return TIMER.schedule(task, delay, unit);
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
        timer.setKeepAliveTime(IDLE.toNanos(), TimeUnit.NANOSECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }
}
