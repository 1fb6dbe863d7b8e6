/**
 * etcd as a watchcache source: {@link io.watchcache.etcd.EtcdKeyType}, {@link io.watchcache.etcd.EtcdPrefixType}
 * and {@link io.watchcache.etcd.EtcdRangeType}, fed by long-lived watch streams. Nothing is null
 * unless marked {@code @Nullable}.
 */
@NullMarked
package io.watchcache.etcd;

import org.jspecify.annotations.NullMarked;
