/** {@code spring.config.import=watchcache-etcd:<prefix>}: configuration from etcd, kept current. */
@NullMarked
package io.watchcache.etcd.config;

import org.jspecify.annotations.NullMarked;
