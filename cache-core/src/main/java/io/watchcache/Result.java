package io.watchcache;

import org.jspecify.annotations.Nullable;

/** A value from the cache with what the cache knows about it. The value may be {@code null}. */
public record Result<V>(@Nullable V value, ResultMeta meta) {
}
