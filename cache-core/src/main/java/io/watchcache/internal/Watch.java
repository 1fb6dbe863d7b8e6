package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.Subscription;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A watch: a loop of cache reads that delivers an {@link UpdateEvent} whenever the value
 * behind a request changes. The loop is a chain, not a thread: each step is a {@code get}
 * future whose completion hops to the executor, delivers, and schedules the next step on the
 * cache's scheduler. While it waits, a watch holds no thread at all; between two reads it
 * holds its entry (see {@link Source#hold}), so that an entry a watch polls every minute does not
 * expire under it with a TTL of seconds.
 *
 * <p>The loop fields ({@link #index}, {@link #failures}) are owned by whichever thread runs
 * the current step; steps never overlap, and each starts from the completion of the last,
 * which orders their writes.
 */
abstract class Watch implements Subscription {

    /** What a watch needs from its cache besides the runtime: reads, and to be forgotten when it ends. */
    interface Source {

        /** A read that completes inline (see {@code CacheEngine.watchRead}). */
        CompletableFuture<Result<Object>> read(TypeRegistration type, CacheRequest request, RequestInfo info);

        /** Holds the entry of {@code info} (it does not expire) and returns it; null when there is none. */
        @Nullable Entry hold(TypeRegistration type, RequestInfo info);

        /** Ends a {@link #hold}. */
        void release(Entry held);

        void ended(Watch watch);
    }

    private static final Logger log = LoggerFactory.getLogger(Watch.class);

    final CacheRuntime runtime;
    private final Source source;
    final TypeRegistration type;
    final CacheRequest request;
    final RequestInfo info;
    final String correlationId;
    private final Consumer<UpdateEvent<Object>> listener;
    /** Through ACTIVE for the one change (cancel); a field, not an AtomicBoolean: 16 bytes per watch. */
    private volatile boolean active = true;
    /** The pending read or the scheduled next step: what {@link #cancel()} must stop. */
    private volatile @Nullable Future<?> pending;
    private static final VarHandle HELD;
    private static final VarHandle ACTIVE;
    private static final VarHandle PENDING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HELD = lookup.findVarHandle(Watch.class, "held", Entry.class);
            ACTIVE = lookup.findVarHandle(Watch.class, "active", boolean.class);
            PENDING = lookup.findVarHandle(Watch.class, "pending", Future.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The entry the watch holds (see {@link #holdEntry}); null before the first answer. Through HELD. */
    @SuppressWarnings("unused")
    private volatile @Nullable Entry held;

    /** Loop-owned: the index of the last delivered value (0: nothing delivered yet); see {@link #deliverChange}. */
    private volatile long index;
    /** Loop-owned: failed attempts in a row, for the backoff; see {@link #answered}, {@link #deliverFailure}. */
    private int failures;
    /** Loop-owned: the last value delivered without error, the next event's {@code previousValue}. */
    private @Nullable Object lastValue;
    private boolean delivered;

    Watch(CacheRuntime runtime, Source source, TypeRegistration type, CacheRequest request, RequestInfo info,
          String correlationId, Consumer<UpdateEvent<Object>> listener) {
        this.runtime = runtime;
        this.source = source;
        this.type = type;
        this.request = request;
        this.info = info;
        this.correlationId = correlationId;
        this.listener = listener;
    }

    void start() {
        step();
    }

    /** The index of the last value delivered (0: none yet). */
    long lastIndex() {
        return index;
    }

    /** Delivers a change: the value at index {@code seen}, which becomes the watch's index. */
    protected void deliverChange(long seen, @Nullable Object value, ResultMeta meta) {
        index = seen;
        deliver(value, meta, null);
    }

    /**
     * A read answered: {@code progressed} (it had an index) ends a run of failures, else it
     * counts as one more. Returns the backoff for the failures in a row now (0 after progress).
     */
    protected long answered(boolean progressed) {
        failures = progressed ? 0 : failures + 1;
        return runtime.backoff().waitNanos(failures);
    }

    /** The request info for the next read. */
    protected abstract RequestInfo nextInfo();

    /** Handles one read's outcome (delivering if it changed) and returns the wait before the next, in nanos. */
    protected abstract long handle(Result<Object> result, @Nullable Throwable error);

    private void step() {
        if (!active) {
            return;
        }
        CompletableFuture<Result<Object>> read;
        try {
            read = source.read(type, request, nextInfo());
        } catch (IllegalStateException closed) {
            cancel();
            return;
        }
        pending = read;
        if (!active) {
            read.cancel(false);
            return;
        }
        // Always hop: the read may complete on a fetch thread, and a slow listener must delay
        // only its own watch, never the fetch that serves every watcher of the entry.
        read.whenCompleteAsync((result, error) -> afterRead(read, result, error), runtime.executor());
    }

    private void afterRead(Future<?> read, Result<Object> result, Throwable error) {
        if (!active) {
            return;
        }
        holdEntry();
        error = Futures.unwrap(error);
        if (error instanceof CancellationException || (error instanceof IllegalStateException && runtime.isClosed())) {
            cancel();
            return;
        }
        long waitNanos;
        try {
            waitNanos = handle(result, error);
        } catch (RuntimeException e) {
            log.error("Watch '{}' on cache type '{}' failed; it goes on after a backoff", correlationId, type.name, e);
            waitNanos = runtime.backoff().waitNanos(++failures);
        }
        if (waitNanos <= 0) {
            runtime.execute(this::step);
        } else {
            Future<?> next = runtime.schedule(waitNanos, this::step);
            // Only in place of this read: with a short wait the step may already have run and put
            // its own read in pending, which cancel() must find (else that read's waiter leaks).
            PENDING.compareAndSet(this, read, next);
            if (!active) {
                next.cancel(false);
            }
        }
    }

    /** Whether a value has been delivered, and which (loop-owned). */
    protected boolean hasDelivered() {
        return delivered;
    }

    protected @Nullable Object lastValue() {
        return lastValue;
    }

    /** Hands an event to the listener; a listener that throws is logged and the watch goes on. */
    protected void deliver(@Nullable Object value, ResultMeta meta, @Nullable Throwable error) {
        type.metrics.recordNotification();
        UpdateEvent<Object> event = new UpdateEvent<>(correlationId, value, lastValue, meta, error);
        if (error == null) {
            lastValue = value;
            delivered = true;
        }
        try {
            listener.accept(event);
        } catch (Throwable t) {
            log.warn("Listener of watch '{}' on cache type '{}' threw; the watch goes on", correlationId, type.name, t);
        }
    }

    /** Delivers a failed read as an event carrying the last known value, and counts the failure. */
    protected long deliverFailure(Throwable error) {
        Object entryValue = null;
        ResultMeta meta = new ResultMeta(false, Duration.ZERO, index);
        if (error instanceof FetchFailedException failed) {
            entryValue = failed.lastValue();
            meta = failed.meta();
            error = failed.getCause() != null ? failed.getCause() : failed;
        }
        deliver(entryValue, meta, error);
        return runtime.backoff().waitNanos(++failures);
    }

    @Override
    public void cancel() {
        if (ACTIVE.compareAndSet(this, true, false)) {
            Future<?> p = pending;
            if (p != null) {
                p.cancel(false);
            }
            release();
            source.ended(this);
        }
    }

    /**
     * Holds the entry the watch reads, from its first answer until the watch ends: between two
     * reads (a poll interval, a backoff, a hop) no waiter holds it. The new hold is taken before
     * the last one goes, so the count never drops to zero on the way (and the entry is not
     * touched); an entry replaced since (evicted, expired) is held anew.
     */
    private void holdEntry() {
        Entry previous = (Entry) HELD.getAndSet(this, source.hold(type, info));
        if (previous != null) {
            source.release(previous);
        }
        if (!active) {
            // cancel() ran meanwhile and may have missed the hold just taken.
            release();
        }
    }

    private void release() {
        Entry previous = (Entry) HELD.getAndSet(this, null);
        if (previous != null) {
            source.release(previous);
        }
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[type=" + type.name + ", key=" + info.key() + ", correlationId="
                + correlationId + ", active=" + active + "]";
    }
}
