package io.watchcache.etcd;

import io.watchcache.Scheduler;
import io.watchcache.Ticker;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Where cache-etcd takes its time: the core's {@link Ticker} and {@link Scheduler}, for progress
 * checks, hedges, deadlines, re-creation backoff, the failover grace and the reachability probe,
 * and a hop that runs a short task soon on another thread (off a gRPC callback). In production
 * that is {@link System#nanoTime()} and the etcd timer thread ({@link EtcdTimer}); a test hands in
 * a manual ticker and scheduler and moves time itself, so nothing has to sleep.
 */
final class EtcdTime {

    private static final Logger log = LoggerFactory.getLogger(EtcdTime.class);
    private static final EtcdTime SYSTEM = new EtcdTime(Ticker.system(), EtcdTimer::schedule, EtcdTimer::execute);

    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Executor hop;

    private EtcdTime(Ticker ticker, Scheduler scheduler, Executor hop) {
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.hop = hop;
    }

    /** The system's time, on the etcd timer thread. */
    static EtcdTime system() {
        return SYSTEM;
    }

    /** Time from {@code ticker} and {@code scheduler}; hops run as tasks due at once. */
    static EtcdTime of(Ticker ticker, Scheduler scheduler) {
        return new EtcdTime(ticker, scheduler, task -> scheduler.schedule(task, 0, TimeUnit.NANOSECONDS));
    }

    long now() {
        return ticker.read();
    }

    /** Runs {@code task} once, {@code delay} from now; {@code cancel(false)} stops it. */
    Future<?> schedule(Runnable task, Duration delay) {
        return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs {@code task} every {@code period} (each run scheduled when the last one ends) until
     * cancelled. A failure is logged and the task goes on: a periodic check that stopped without
     * a word would leave watches unchecked.
     */
    Future<?> every(Runnable task, Duration period) {
        Repeating repeating = new Repeating(task, period);
        repeating.next();
        return repeating;
    }

    /** Runs {@code task} soon, on another thread. */
    void execute(Runnable task) {
        hop.execute(task);
    }

    private final class Repeating extends CompletableFuture<Void> implements Runnable {
        private final Runnable task;
        private final Duration period;
        private volatile @Nullable Future<?> scheduled;

        Repeating(Runnable task, Duration period) {
            this.task = task;
            this.period = period;
        }

        void next() {
            if (!isDone()) {
                scheduled = schedule(this, period);
                if (isDone()) {
                    cancelScheduled();
                }
            }
        }

        @Override
        public void run() {
            if (isDone()) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("A periodic etcd task failed; it goes on", e);
            }
            next();
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(false);
            cancelScheduled();
            return cancelled;
        }

        private void cancelScheduled() {
            Future<?> current = scheduled;
            if (current != null) {
                current.cancel(false);
            }
        }
    }
}
