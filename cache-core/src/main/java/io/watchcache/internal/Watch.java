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
 * behind a request changes. The loop is a chain, not a thread: a read that the entry answers
 * at once hops to the executor and delivers; one that must wait makes the watch a follower of
 * the entry ({@link Follower}), which the next store that satisfies it answers. The next
 * read then starts at once, or on the cache's scheduler after a poll interval or a backoff.
 * While it waits, a watch holds no thread, no future and no waiter: it is on its entry's list
 * of followers. From its first read until it ends it holds the entry it reads (see
 * {@link WatchSource#hold}), so that an entry a watch polls every minute does not expire under it
 * with a TTL of seconds.
 *
 * <p>The loop fields ({@link #index}, {@link #failures}, {@link #lastValue}) are owned by
 * whichever thread runs the current step; steps never overlap, and each starts from the answer
 * to the last, which orders their writes. A wait ends exactly once: whoever takes the entry
 * out of {@link #following} (a store, the entry's removal, a timeout, a cancel) answers it.
 */
abstract class Watch implements Subscription, Follower {

    private static final Logger log = LoggerFactory.getLogger(Watch.class);

    final CacheRuntime runtime;
    private final WatchSource source;
    final TypeRegistration type;
    final CacheRequest request;
    final RequestInfo info;
    final String correlationId;
    private final Consumer<UpdateEvent<Object>> listener;
    /** Through ACTIVE for the one change (cancel); a field, not an AtomicBoolean: 16 bytes per watch. */
    private volatile boolean active = true;
    /** The scheduled next step, or the timeout of a wait: what {@link #cancel()} must stop. */
    private volatile @Nullable Future<?> pending;
    private static final VarHandle HELD;
    private static final VarHandle ACTIVE;
    private static final VarHandle FOLLOWING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HELD = lookup.findVarHandle(Watch.class, "held", Entry.class);
            ACTIVE = lookup.findVarHandle(Watch.class, "active", boolean.class);
            FOLLOWING = lookup.findVarHandle(Watch.class, "following", Entry.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The entry the watch holds (see {@link #holding}); null before the first read. Through HELD. */
    @SuppressWarnings("unused")
    private volatile @Nullable Entry held;
    /** The entry the watch waits on as a follower; null while it does not wait. Through FOLLOWING. */
    @SuppressWarnings("unused")
    private volatile @Nullable Entry following;

    /** Loop-owned: the index of the last delivered value (0: nothing delivered yet); see {@link #deliverChange}. */
    private volatile long index;
    /** Loop-owned: failed attempts in a row, for the backoff; see {@link #answered}, {@link #deliverFailure}. */
    private int failures;
    /** Loop-owned: the last value delivered without error, the next event's {@code previousValue}. */
    private @Nullable Object lastValue;
    private boolean delivered;

    Watch(CacheRuntime runtime, WatchSource source, TypeRegistration type, CacheRequest request, RequestInfo info,
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

    /** The index the next read must pass (ignored for a type that cannot block). */
    protected abstract long minIndex();

    /**
     * Handles one read's outcome, a result or an error (never both, never neither), delivering
     * if it changed; returns the wait before the next read, in nanos.
     */
    protected abstract long handle(@Nullable Result<Object> result, @Nullable Throwable error);

    private void step() {
        if (!active) {
            return;
        }
        Result<Object> now;
        try {
            now = source.read(this);
        } catch (IllegalStateException closed) {
            cancel();
            return;
        }
        if (now != null) {
            answer(now, null);
        }
    }

    /**
     * Waits on {@code entry}, whose snapshot {@code seenVersion} did not answer the read: from
     * now on each store is judged by {@link #onStore}. Called by the read, never twice at once.
     */
    void follow(Entry entry, long seenVersion) {
        FOLLOWING.setVolatile(this, entry);
        Duration timeout = info.timeout();
        if (timeout != null) {
            // Like a caller's: at its own timeout the read gets the entry's value as it is.
            pending = runtime.schedule(timeout.toNanos(), () -> {
                if (claim(entry)) {
                    answer(Results.of(type, entry.snapshot(), false, runtime.ticker()), null);
                }
            });
        }
        entry.follow(this, seenVersion);
        if (!active) {
            // cancel() ran meanwhile and may have missed the wait just begun.
            claim(entry);
        }
    }

    /**
     * Holds {@code entry}, the one the watch reads, until it reads another or ends. The new
     * hold is taken before the last one goes, so an entry read again is never left unheld on
     * the way; an entry replaced since (evicted, expired) is held anew.
     */
    void holding(Entry entry) {
        if (held == entry) {
            return;
        }
        source.hold(entry);
        Entry previous = (Entry) HELD.getAndSet(this, entry);
        if (previous != null) {
            source.release(previous);
        }
        if (!active) {
            release();
        }
    }

    @Override
    public void onStore(Snapshot snapshot) {
        Entry entry = following;
        if (entry == null) {
            return;
        }
        Freshness.afterStore(entry, snapshot, info, minIndex(), true, runtime.ticker(), (result, error) -> {
            if (claim(entry)) {
                answer(result, error);
            }
        });
    }

    @Override
    public void entryRemoved(Snapshot last, boolean closing) {
        Entry entry = following;
        if (entry == null || !claim(entry)) {
            return;
        }
        if (closing) {
            cancel();
        } else {
            // The next read finds the entry's successor, made if need be.
            answer(Results.of(type, last, false, runtime.ticker()), null);
        }
    }

    @Override
    public boolean isCaller() {
        return false;
    }

    @Override
    public CompletableFuture<?> answerNow() {
        Entry entry = following;
        if (entry != null && claim(entry)) {
            answer(Results.of(type, entry.snapshot(), false, runtime.ticker()), null);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean released() {
        return following == null;
    }

    /** Ends the wait on {@code entry}: true for the one caller that does, who then answers it. */
    private boolean claim(Entry entry) {
        if (!FOLLOWING.compareAndSet(this, entry, null)) {
            return false;
        }
        entry.unfollow(this);
        Future<?> timeout = pending;
        if (timeout != null && info.timeout() != null) {
            timeout.cancel(false);
        }
        return true;
    }

    /**
     * A read answered: handled on the executor, never on the thread that answered. It may be
     * a fetch thread, and a slow listener must delay only its own watch, never the fetch that
     * serves every watcher of the entry.
     */
    private void answer(@Nullable Result<Object> result, @Nullable Throwable error) {
        runtime.execute(() -> afterRead(result, error));
    }

    private void afterRead(@Nullable Result<Object> result, @Nullable Throwable error) {
        if (!active) {
            return;
        }
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
            pending = next;
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
            Entry entry = following;
            if (entry != null) {
                claim(entry);
            }
            release();
            source.ended(this);
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
