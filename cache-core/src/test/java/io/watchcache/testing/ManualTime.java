package io.watchcache.testing;

import io.watchcache.CacheOptions;
import io.watchcache.Scheduler;
import io.watchcache.Ticker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Time a test moves by hand: a {@link Ticker} and a {@link Scheduler} that agree. Nothing that
 * the cache schedules runs until the test calls {@link #advance} (or {@link #runDue}); then
 * every task due by the new time runs, in due order, on the test's thread, the clock standing
 * at each task's due time while it runs. The cache's scheduled tasks only hand work to its
 * executor, so what they start (a fetch, a delivery) still runs there: wait for its effect
 * (Awaitility), never for time.
 *
 * <pre>{@code
 * ManualTime time = new ManualTime();
 * WatchCache cache = new WatchCache(time.options().build());
 * ...
 * time.advance(Duration.ofSeconds(2)); // the refresh timer fires: one fetch starts
 * }</pre>
 */
public final class ManualTime implements Ticker, Scheduler {

    private final Object lock = new Object();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>(
            Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.sequence));
    private volatile long now = Duration.ofHours(1).toNanos();
    private long sequence;
    private long ran;

    /** Cache options that run on this time: its ticker and its scheduler. */
    public CacheOptions.Builder options() {
        return CacheOptions.builder().ticker(this).scheduler(this);
    }

    @Override
    public long read() {
        return now;
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        synchronized (lock) {
            Task scheduled = new Task(task, now + Math.max(0, unit.toNanos(delay)), sequence++);
            tasks.add(scheduled);
            return scheduled;
        }
    }

    /** Moves the clock by {@code step}, running every task that falls due on the way; returns how many ran. */
    public int advance(Duration step) {
        long target = now + step.toNanos();
        int count = 0;
        while (true) {
            Task next;
            synchronized (lock) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return count;
                }
                tasks.poll();
                if (next.isCancelled()) {
                    continue;
                }
                now = Math.max(now, next.due);
                ran++;
            }
            next.run();
            count++;
        }
    }

    /** Runs what is due now, without moving the clock. */
    public int runDue() {
        return advance(Duration.ZERO);
    }

    /** Tasks waiting to run (cancelled ones excluded). */
    public int pending() {
        synchronized (lock) {
            int count = 0;
            for (Task task : tasks) {
                if (!task.isCancelled()) {
                    count++;
                }
            }
            return count;
        }
    }

    /** The delays, from now, of the tasks waiting to run, soonest first. */
    public List<Duration> pendingDelays() {
        synchronized (lock) {
            List<Task> sorted = new ArrayList<>(tasks);
            sorted.sort(tasks.comparator());
            List<Duration> delays = new ArrayList<>();
            for (Task task : sorted) {
                if (!task.isCancelled()) {
                    delays.add(Duration.ofNanos(task.due - now));
                }
            }
            return delays;
        }
    }

    /** Tasks run so far. */
    public long ran() {
        synchronized (lock) {
            return ran;
        }
    }

    private static final class Task extends FutureTask<Void> {
        final long due;
        final long sequence;

        Task(Runnable task, long due, long sequence) {
            super(task, null);
            this.due = due;
            this.sequence = sequence;
        }
    }
}
