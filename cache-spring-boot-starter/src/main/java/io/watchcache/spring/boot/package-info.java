/** The watchcache Spring Boot starter's API: watches declared as beans, update events, option customizers. */
@NullMarked
package io.watchcache.spring.boot;

import org.jspecify.annotations.NullMarked;
