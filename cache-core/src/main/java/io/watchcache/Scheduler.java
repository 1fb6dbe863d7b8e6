package io.watchcache;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Where the cache waits: refresh timers, backoff, rate-limit waits, polling, caller timeouts
 * and the idle sweep are all delays handed to a scheduler. The cache's own runs them on one
 * daemon timer thread; a test gives a manual one and moves time by hand (with a {@link Ticker}
 * that agrees with it), so that nothing in it has to sleep.
 *
 * <p>A scheduled task is short: it only hands work to the cache's executor. A scheduler may
 * run it on any thread, and must run it no earlier than its delay.
 */
@FunctionalInterface
public interface Scheduler {

    /**
     * Runs {@code task} once, {@code delay} from now on the cache's ticker.
     *
     * @return a handle whose {@code cancel(false)} stops the task if it has not started
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down
     */
    Future<?> schedule(Runnable task, long delay, TimeUnit unit);
}
