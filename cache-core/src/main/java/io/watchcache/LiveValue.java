package io.watchcache;

import org.jspecify.annotations.Nullable;

/**
 * A held, always-fresh value (see {@link TypedCache#live}). While open it keeps its entry alive
 * and current, like a watch without a listener. After the first value, {@link #get()} is a
 * volatile read: no lookup, no allocation, no clock read, no lock. Closing it releases the
 * entry to its normal TTL.
 *
 * <p>Thread-safe. For a Spring application, a {@code @Bean LiveValue<V>} is closed with the
 * context.
 *
 * @param <V> the value type
 */
public interface LiveValue<V> extends AutoCloseable {

    /**
     * The current value ({@code null} when the data is absent). Blocks only until the first
     * value exists.
     *
     * @throws FetchFailedException  when no value ever came and the latest fetch failed
     * @throws IllegalStateException when closed before a first value, or interrupted while waiting
     *                               for it (the interrupt flag stays set)
     */
    @Nullable V get();

    /** The current value with its meta; allocates, unlike {@link #get()}. Blocks like {@link #get()}. */
    Result<V> result();

    /** The index of the current value, 0 before the first. */
    long index();

    /**
     * Whether the value is being kept current right now: open, a value has come, and the last
     * fetch did not fail (the source is reachable).
     */
    boolean isLive();

    /** Stops keeping the value current and releases the entry. Idempotent. */
    @Override
    void close();
}
