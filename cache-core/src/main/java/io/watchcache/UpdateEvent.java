package io.watchcache;

import org.jspecify.annotations.Nullable;

/**
 * One notification of a watch: the value behind a request changed, or fetching it failed.
 *
 * @param correlationId the id the watcher chose, to tell its watches apart
 * @param value         the current value (on error, the last known value); {@code null} when
 *                      the data is absent
 * @param previousValue the value this watch delivered before, {@code null} on its first event
 * @param meta          what the cache knows about the value
 * @param error         why fetching failed, or {@code null}
 */
public record UpdateEvent<V>(String correlationId, @Nullable V value, @Nullable V previousValue, ResultMeta meta,
                             @Nullable Throwable error) {
}
