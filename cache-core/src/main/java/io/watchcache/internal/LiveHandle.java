package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import io.watchcache.LiveValue;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.Subscription;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * A live value: a watch whose listener keeps the latest value in a field. The watch keeps the
 * entry alive (the watch holds it) and current (a blocking read per change, or a poll
 * per {@code maxAge}); {@link #get()} reads the field.
 */
final class LiveHandle<V> implements LiveValue<V> {

    /** The correlation id of a live value's watch; a named one adds its name after a space. */
    static final String CORRELATION_ID = "live value";

    /** What {@link #value} holds before the first value: any real value, null included, is not this. */
    private static final Object NONE = new Object();

    private final String typeName;
    /** The latest value, or {@link #NONE}; written by the watch, read by anyone. */
    private volatile @Nullable Object value = NONE;
    /** The latest event: value, meta and error; written by the watch. */
    private volatile @Nullable UpdateEvent<Object> last;
    private volatile boolean closed;
    private volatile @Nullable Subscription watch;
    private final Object firstValue = new Object();

    LiveHandle(String typeName) {
        this.typeName = typeName;
    }

    void attach(Subscription watch) {
        this.watch = watch;
        if (closed) {
            watch.cancel();
        }
    }

    /** The watch's listener: runs on the executor, one event at a time. */
    void onEvent(UpdateEvent<Object> event) {
        boolean first = value == NONE;
        last = event;
        if (event.error() == null) {
            value = event.value();
        }
        // Readers wait only until the first value (or a failure before it): later events wake no one.
        if (first) {
            synchronized (firstValue) {
                firstValue.notifyAll();
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public @Nullable V get() {
        Object current = value;
        if (current != NONE) {
            return (V) current;
        }
        awaitFirst();
        return (V) value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Result<V> result() {
        if (value == NONE) {
            awaitFirst();
        }
        // After the first value there is always a last event.
        UpdateEvent<Object> event = Objects.requireNonNull(last);
        return new Result<>((V) value, event.meta());
    }

    /** Waits for the first value; throws when it cannot come (failed fetch, closed, interrupted). */
    private void awaitFirst() {
        synchronized (firstValue) {
            while (value == NONE) {
                UpdateEvent<Object> event = last;
                if (event != null && event.error() != null) {
                    throw new FetchFailedException("no value yet for the live value of cache type '" + typeName
                            + "': the fetch failed", event.error(), null, event.meta());
                }
                if (closed) {
                    throw new IllegalStateException("the live value of cache type '" + typeName
                            + "' was closed before its first value");
                }
                try {
                    firstValue.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the first value of cache type '"
                            + typeName + "'", e);
                }
            }
        }
    }

    @Override
    public long index() {
        UpdateEvent<Object> event = last;
        return event == null ? 0 : event.meta().index();
    }

    @Override
    public boolean isLive() {
        UpdateEvent<Object> event = last;
        return !closed && value != NONE && event != null && event.error() == null;
    }

    @Override
    public void close() {
        closed = true;
        Subscription w = watch;
        if (w != null) {
            w.cancel();
        }
        synchronized (firstValue) {
            firstValue.notifyAll();
        }
    }

    @Override
    public String toString() {
        UpdateEvent<Object> event = last;
        ResultMeta meta = event == null ? new ResultMeta(false, Duration.ZERO, 0) : event.meta();
        return "LiveValue[type=" + typeName + ", index=" + meta.index() + ", live=" + isLive() + "]";
    }
}
