package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * The deadlines of a type's long waits (a fetch waiting minutes for a change), all checked by
 * one task a second rather than a scheduled task each: with thousands of watched entries, a
 * task per entry costs a queue slot, a task object and a log-time insert every time a fetch
 * starts, and makes the timer's queue as long as the fleet. A deadline fires up to a second
 * late, which a wait of minutes does not notice. Short waits (a caller's blocking read of a few
 * seconds) keep a precise timer task of their own.
 *
 * <p>A timing wheel of 1,024 one-second slots; each slot is a list linked through the waits
 * themselves, so adding and removing cost no allocation. The task runs only
 * while something waits. Locking: the monitor guards the slots and every link; {@link
 * Waiting#expired()} runs without it.
 */
final class Deadlines {

    /** Waits shorter than this get a timer task of their own: a second late would be noticed. */
    static final Duration LONG_WAIT = Duration.ofSeconds(10);

    /** The due tick of a wait on no slot. */
    private static final long UNLINKED = Long.MIN_VALUE;

    /**
     * Something that waits with a deadline: a node of the wheel's lists, whose links belong to
     * the {@link Deadlines} it was added to.
     */
    abstract static class Waiting {
        /**
         * The tick whose sweep expires it, the first after its deadline: its slot is this tick's,
         * and the slot's sweeps of earlier rotations pass it by. UNLINKED while on no slot.
         */
        private long due = UNLINKED;
        private @Nullable Waiting previous;
        private @Nullable Waiting next;
        /** A short wait's own timer task; set before the wait is handed out. */
        private volatile @Nullable Future<?> timer;

        /** Whether it no longer waits (answered, failed or cancelled): then it does not expire. */
        abstract boolean isDone();

        /** The deadline passed while it was still waiting. Called once, without a lock held. */
        abstract void expired();
    }

    private final EtcdTime time;
    private final Duration longWait;
    private final long tickNanos;
    private final Waiting[] slots;
    @GuardedBy("this")
    private int size;
    /** The last tick whose slot was checked. */
    @GuardedBy("this")
    private long swept;
    @GuardedBy("this")
    private @Nullable Future<?> task;

    Deadlines(EtcdTime time) {
        this(time, LONG_WAIT, Duration.ofSeconds(1), 1024);
    }

    /** A wheel of {@code slots} slots of {@code tick} each, for waits of {@code longWait} and longer. */
    Deadlines(EtcdTime time, Duration longWait, Duration tick, int slots) {
        this.time = time;
        this.longWait = longWait;
        this.tickNanos = tick.toNanos();
        this.slots = new Waiting[slots];
        this.swept = tick(time.now());
    }

    /** {@code waiting} expires after {@code timeout}, unless {@link #remove}d first. */
    void add(Waiting waiting, Duration timeout) {
        if (timeout.compareTo(longWait) < 0) {
            waiting.timer = time.schedule(() -> {
                if (!waiting.isDone()) {
                    waiting.expired();
                }
            }, timeout);
            return;
        }
        synchronized (this) {
            long now = time.now();
            if (task == null) {
                swept = tick(now);
                task = time.every(this::sweep, Duration.ofNanos(tickNanos));
            }
            // The slot checked first after the deadline has passed: the next tick after it.
            long due = Math.max(tick(now + timeout.toNanos()) + 1, swept + 1);
            int slot = slot(due);
            waiting.due = due;
            waiting.previous = null;
            waiting.next = slots[slot];
            if (slots[slot] != null) {
                slots[slot].previous = waiting;
            }
            slots[slot] = waiting;
            size++;
        }
    }

    /** {@code waiting} no longer waits (answered, failed or cancelled). Idempotent. */
    void remove(Waiting waiting) {
        Future<?> timer = waiting.timer;
        if (timer != null) {
            timer.cancel(false);
            return;
        }
        synchronized (this) {
            unlinkLocked(waiting);
        }
    }

    /** How many long waits are queued (for tests and diagnostics). */
    synchronized int size() {
        return size;
    }

    private void sweep() {
        List<Waiting> expiring = new ArrayList<>();
        synchronized (this) {
            long current = tick(time.now());
            for (long t = Math.max(swept + 1, current - slots.length + 1); t <= current; t++) {
                Waiting waiting = slots[slot(t)];
                while (waiting != null) {
                    Waiting next = waiting.next;
                    if (waiting.due <= current) {
                        unlinkLocked(waiting);
                        expiring.add(waiting);
                    }
                    waiting = next;
                }
            }
            swept = current;
            if (size == 0 && task != null) {
                task.cancel(false);
                task = null;
            }
        }
        for (Waiting waiting : expiring) {
            if (!waiting.isDone()) {
                waiting.expired();
            }
        }
    }

    @GuardedBy("this")
    private void unlinkLocked(Waiting waiting) {
        if (waiting.due == UNLINKED) {
            return;
        }
        int slot = slot(waiting.due);
        Waiting previous = waiting.previous;
        Waiting next = waiting.next;
        if (previous == null) {
            slots[slot] = next;
        } else {
            previous.next = next;
        }
        if (next != null) {
            next.previous = previous;
        }
        waiting.due = UNLINKED;
        waiting.previous = null;
        waiting.next = null;
        size--;
    }

    private int slot(long tick) {
        return (int) Math.floorMod(tick, (long) slots.length);
    }

    private long tick(long nanos) {
        return Math.floorDiv(nanos, tickNanos);
    }
}
