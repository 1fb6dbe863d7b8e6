/** The {@code watchcache} and {@code watchcacheReadiness} health contributors. */
@NullMarked
package io.watchcache.spring.boot.health;

import org.jspecify.annotations.NullMarked;
