package io.watchcache;

/**
 * The answer of one fetch.
 *
 * @param value       the fetched value; {@code null} means "nothing new" (e.g. a blocking query
 *                    that timed out): the cache keeps the previous value but stores {@code state}
 * @param state       opaque state the type wants back on the next fetch (a cursor, a watch handle);
 *                    closed when the entry is removed if it is {@link AutoCloseable}
 * @param index       the version of {@code value}; values below 1 are stored as 1
 * @param notModified the value did not change: keep it, take the new index
 */
public record FetchResult<V>(V value, Object state, long index, boolean notModified) {

    public static <V> FetchResult<V> of(V value, long index) {
        return new FetchResult<>(value, null, index, false);
    }

    public static <V> FetchResult<V> notModified(long index) {
        return new FetchResult<>(null, null, index, true);
    }

    /** No value and no change: what a blocking query returns when it times out. */
    public static <V> FetchResult<V> empty() {
        return new FetchResult<>(null, null, 0, false);
    }

    /** The same result carrying {@code state} for the next fetch. */
    public FetchResult<V> withState(Object state) {
        return new FetchResult<>(value, state, index, notModified);
    }
}
