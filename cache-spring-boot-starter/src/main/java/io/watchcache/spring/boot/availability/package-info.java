/**
 * Holding the application's readiness until declared watches, live values and configuration
 * imports have their first values ({@code watchcache.readiness.await-first-value}).
 */
@NullMarked
package io.watchcache.spring.boot.availability;

import org.jspecify.annotations.NullMarked;
