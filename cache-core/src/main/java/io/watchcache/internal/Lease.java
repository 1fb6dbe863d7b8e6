package io.watchcache.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An entry's hold on its table, which alone calls these methods: how many waiters keep the
 * entry from expiring, when a read last renewed its TTL, and whether an expiry check is
 * pending for it. {@link Entry} extends it rather than pointing to it: a hit reads
 * {@link #renewedAt()} and then the entry's value, and one object is one memory access fewer
 * on every hit. The entry itself never calls them. Plain fields with atomic access: a cache
 * holds one lease per entry, and an atomic object per field would cost 16 bytes each.
 */
abstract class Lease {

    private static final VarHandle HOLDERS;
    private static final VarHandle CHECK_ARMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HOLDERS = lookup.findVarHandle(Lease.class, "holders", int.class);
            CHECK_ARMED = lookup.findVarHandle(Lease.class, "checkArmed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through HOLDERS
    private volatile int holders;
    @SuppressWarnings("unused") // through CHECK_ARMED
    private volatile boolean checkArmed;
    /**
     * When a read last renewed the TTL, on the table's clock. Written without a lock by whichever
     * reader renews: a lost update only means one more renewal.
     */
    private volatile long renewedAt;

    final int holders() {
        return holders;
    }

    /** One more holder; true for the first (the entry now stops expiring). */
    final boolean hold() {
        return (int) HOLDERS.getAndAdd(this, 1) == 0;
    }

    /** One holder fewer; true for the last (the entry's TTL runs again). */
    final boolean release() {
        return (int) HOLDERS.getAndAdd(this, -1) == 1;
    }

    final long renewedAt() {
        return renewedAt;
    }

    final void renewedAt(long now) {
        renewedAt = now;
    }

    /** True for the caller that arms the entry's one pending expiry check. */
    final boolean armCheck() {
        return CHECK_ARMED.compareAndSet(this, false, true);
    }

    final void checkDone() {
        checkArmed = false;
    }
}
