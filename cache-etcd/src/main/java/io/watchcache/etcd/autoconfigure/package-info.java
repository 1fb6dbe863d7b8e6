/** Spring Boot auto-configuration of the jetcd client and the etcd cache types ({@code watchcache.etcd.*}). */
@NullMarked
package io.watchcache.etcd.autoconfigure;

import org.jspecify.annotations.NullMarked;
