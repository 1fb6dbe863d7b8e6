/**
 * Auto-configuration of watchcache: the cache, its types and typed handles, watches, readiness,
 * metrics, health and the endpoint.
 */
@NullMarked
package io.watchcache.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
