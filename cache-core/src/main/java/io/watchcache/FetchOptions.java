package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * What the cache asks of one fetch.
 *
 * @param minIndex   for blocking types, the index the answer must pass (0: answer now);
 *                   always 0 for non-blocking types
 * @param timeout    how long a blocking query may wait before answering "no change"
 * @param lastResult the last successful result of this entry, with its state; {@code null} on the first fetch
 */
public record FetchOptions<V>(long minIndex, Duration timeout, @Nullable FetchResult<V> lastResult) {
}
