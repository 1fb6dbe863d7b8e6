package io.watchcache.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An entry's hold on its table, which alone calls these methods: how many waiters keep the
 * entry from expiring, when a read last renewed its TTL, and whether an expiry check is
 * pending for it. {@link Entry} extends it rather than pointing to it: a hit reads
 * {@link #renewedAt()} and then the entry's value, and one object is one memory access fewer
 * on every hit. The entry itself never calls them.
 */
abstract class Lease {

    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicBoolean checkArmed = new AtomicBoolean();
    /**
     * When a read last renewed the TTL, on the table's clock. Written without a lock by whichever
     * reader renews: a lost update only means one more renewal.
     */
    private volatile long renewedAt;

    final int holders() {
        return holders.get();
    }

    /** One more holder; true for the first (the entry now stops expiring). */
    final boolean hold() {
        return holders.incrementAndGet() == 1;
    }

    /** One holder fewer; true for the last (the entry's TTL runs again). */
    final boolean release() {
        return holders.decrementAndGet() == 0;
    }

    final long renewedAt() {
        return renewedAt;
    }

    final void renewedAt(long now) {
        renewedAt = now;
    }

    /** True for the caller that arms the entry's one pending expiry check. */
    final boolean armCheck() {
        return checkArmed.compareAndSet(false, true);
    }

    final void checkDone() {
        checkArmed.set(false);
    }
}
