/**
 * watchcache's API: register typed sources ({@link io.watchcache.CacheType}), read them through
 * a {@link io.watchcache.WatchCache} (blocking reads on a minimum index, background refresh),
 * and watch them ({@link io.watchcache.TypedCache#watch}, {@link io.watchcache.LiveValue}).
 * Nothing is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.watchcache;

import org.jspecify.annotations.NullMarked;
