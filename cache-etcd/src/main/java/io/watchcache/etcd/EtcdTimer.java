package io.watchcache.etcd;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread for the etcd types' short, non-blocking work: fetch deadlines, watch health
 * checks, and hops off jetcd's threads (its watch error callback runs under a lock shared by
 * every watch of the client, so nothing of ours should run there).
 */
final class EtcdTimer {

    private static final ScheduledThreadPoolExecutor TIMER = create();

    private EtcdTimer() {
    }

    static ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return TIMER.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    static ScheduledFuture<?> every(Runnable task, Duration period) {
        return TIMER.scheduleWithFixedDelay(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    static void execute(Runnable task) {
        TIMER.execute(task);
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
