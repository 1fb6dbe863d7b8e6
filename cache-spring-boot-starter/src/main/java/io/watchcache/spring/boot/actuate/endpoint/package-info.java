/** The {@code watchcache} actuator endpoint. */
@NullMarked
package io.watchcache.spring.boot.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
