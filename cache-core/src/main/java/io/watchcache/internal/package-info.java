/** The engine behind the API; not exported from the module. Nothing is null unless marked {@code @Nullable}. */
@NullMarked
package io.watchcache.internal;

import org.jspecify.annotations.NullMarked;
