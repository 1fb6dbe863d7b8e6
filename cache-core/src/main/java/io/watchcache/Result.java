package io.watchcache;

/** A value from the cache with what the cache knows about it. The value may be {@code null}. */
public record Result<V>(V value, ResultMeta meta) {
}
