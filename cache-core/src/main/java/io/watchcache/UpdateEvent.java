package io.watchcache;

/**
 * One notification of a watch: the value behind a request changed, or fetching it failed.
 *
 * @param correlationId the id the watcher chose, to tell its watches apart
 * @param result        the current value (on error, the last known value, possibly {@code null})
 * @param meta          what the cache knows about the value
 * @param error         why fetching failed, or {@code null}
 */
public record UpdateEvent<V>(String correlationId, V result, ResultMeta meta, Throwable error) {
}
