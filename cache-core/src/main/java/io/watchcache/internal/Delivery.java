package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * What a {@link Watch} has told its listener, and how it judges each read's outcome: a
 * blocking type's watch delivers every move of the index ({@link BlockingDelivery}), a polling
 * one every change it sees at each poll ({@link PollingDelivery}). Each returns the wait before
 * the next read.
 *
 * <p>Loop-owned: only the thread running the watch's current step calls it (steps never
 * overlap, and each starts from the answer to the last, which orders their writes). The index is
 * also read by introspection, hence volatile.
 */
abstract class Delivery {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    /** {@link #lastValue} before any value was delivered. */
    private static final Object NOTHING = new Object();

    final TypeRegistration type;
    final String correlationId;
    private final Consumer<UpdateEvent<Object>> listener;
    /** The index of the last delivered value (0: nothing delivered yet). */
    private volatile long index;
    /** Failed attempts in a row, for the backoff. */
    private int failures;
    /** The last value delivered without error, the next event's {@code previousValue}; or NOTHING. */
    private @Nullable Object lastValue = NOTHING;

    Delivery(TypeRegistration type, String correlationId, Consumer<UpdateEvent<Object>> listener) {
        this.type = type;
        this.correlationId = correlationId;
        this.listener = listener;
    }

    /** The index the next read must pass (ignored for a type that cannot block). */
    abstract long minIndex();

    /**
     * Handles one read's outcome, a result or an error (never both, never neither), delivering
     * if it changed; returns the wait before the next read, in nanos, failures waiting on
     * {@code backoff} (the cache's, as it is configured now).
     */
    abstract long handle(Backoff backoff, @Nullable Result<Object> result, @Nullable Throwable error);

    /**
     * {@link #handle}, for the watch's step: should judging the outcome fail (a bug: a listener
     * that throws is {@link #deliver}'s to log), the failure is logged and backed off like a
     * failed read, and the watch goes on.
     */
    final long handleSafely(Backoff backoff, @Nullable Result<Object> result, @Nullable Throwable error) {
        try {
            return handle(backoff, result, error);
        } catch (RuntimeException e) {
            log.error("Watch '{}' on cache type '{}' failed; it goes on after a backoff", correlationId, type.name, e);
            return failed(backoff);
        }
    }

    /** The index of the last value delivered (0: none yet). */
    final long lastIndex() {
        return index;
    }

    /** Whether a value has been delivered. */
    final boolean hasDelivered() {
        return lastValue != NOTHING;
    }

    /** The last value delivered without error; null when none was (or the value was absent). */
    final @Nullable Object lastValue() {
        return lastValue == NOTHING ? null : lastValue;
    }

    /** Delivers a change: the value at index {@code seen}, which becomes the watch's index. */
    final void deliverChange(long seen, @Nullable Object value, ResultMeta meta) {
        index = seen;
        deliver(value, meta, null);
    }

    /**
     * A read answered: {@code progressed} (it had an index) ends a run of failures, else it
     * counts as one more. Returns the backoff for the failures in a row now (0 after progress).
     */
    final long answered(Backoff backoff, boolean progressed) {
        failures = progressed ? 0 : failures + 1;
        return backoff.waitNanos(failures);
    }

    /** Counts one more failure (the watch's own step failed); returns the backoff for it. */
    final long failed(Backoff backoff) {
        return backoff.waitNanos(++failures);
    }

    /** Delivers a failed read as an event carrying the last known value, and counts the failure. */
    final long deliverFailure(Backoff backoff, Throwable error) {
        Object entryValue = null;
        ResultMeta meta = new ResultMeta(false, Duration.ZERO, index);
        if (error instanceof FetchFailedException failed) {
            entryValue = failed.lastValue();
            meta = failed.meta();
            error = failed.getCause() != null ? failed.getCause() : failed;
        }
        deliver(entryValue, meta, error);
        return failed(backoff);
    }

    /** Hands an event to the listener; a listener that throws is logged and the watch goes on. */
    private void deliver(@Nullable Object value, ResultMeta meta, @Nullable Throwable error) {
        type.metrics.recordNotification();
        UpdateEvent<Object> event = new UpdateEvent<>(correlationId, value, lastValue(), meta, error);
        if (error == null) {
            lastValue = value;
        }
        try {
            listener.accept(event);
        } catch (Throwable t) {
            log.warn("Listener of watch '{}' on cache type '{}' threw; the watch goes on", correlationId, type.name, t);
        }
    }
}
