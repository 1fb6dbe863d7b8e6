/** The cache's meters, contributed to the application's registries. */
@NullMarked
package io.watchcache.spring.boot.metrics;

import org.jspecify.annotations.NullMarked;
