package io.watchcache;

import org.jspecify.annotations.Nullable;

/**
 * The answer of one fetch. Three kinds, made by the factories:
 * <ul>
 *   <li>{@link #of(Object, long)}: the value at {@code index}. A {@code null} value is an
 *       answer too: the data is absent at that index (a missing key). The entry becomes valid
 *       with a null value and waiting callers are released.</li>
 *   <li>{@link #unchanged(long)}: nothing new, what a blocking query returns when it times out.
 *       The entry keeps its value and index; only {@link #withState(Object) state} is taken.</li>
 *   <li>{@link #notModified(long)}: the value did not change but the index moved; the entry
 *       keeps its value and takes the index.</li>
 * </ul>
 *
 * @param value       the fetched value, {@code null} for "absent" (ignored when unchanged or not modified)
 * @param state       opaque state the type wants back on the next fetch (a cursor, a watch handle).
 *                    The newest result's state replaces the entry's in every case, null included:
 *                    return the same object to keep it. A replaced {@link AutoCloseable} state is
 *                    closed then, and the last one when the entry is removed; each exactly once
 * @param index       the version of {@code value}; values below 1 are stored as 1, and a
 *                    result whose index is below 1 counts as a failed attempt for the backoff
 * @param notModified the value did not change: keep it, take the new index
 * @param unchanged   nothing new: keep the value and the index
 */
public record FetchResult<V>(@Nullable V value, @Nullable Object state, long index, boolean notModified,
                             boolean unchanged) {

    public FetchResult {
        if (notModified && unchanged) {
            throw new IllegalArgumentException("a FetchResult is either notModified or unchanged, not both");
        }
    }

    /** A value (or, with {@code null}, its absence) at {@code index}. */
    public static <V> FetchResult<V> of(@Nullable V value, long index) {
        return new FetchResult<>(value, null, index, false, false);
    }

    /** The value did not change; the index is now {@code index}. */
    public static <V> FetchResult<V> notModified(long index) {
        return new FetchResult<>(null, null, index, true, false);
    }

    /**
     * Nothing new: a blocking query that timed out. {@code index} is the index the type saw
     * (normally the {@code minIndex} it was asked with); the entry keeps its own.
     */
    public static <V> FetchResult<V> unchanged(long index) {
        return new FetchResult<>(null, null, index, false, true);
    }

    /** The same result carrying {@code state} for the next fetch. */
    public FetchResult<V> withState(Object state) {
        return new FetchResult<>(value, state, index, notModified, unchanged);
    }
}
