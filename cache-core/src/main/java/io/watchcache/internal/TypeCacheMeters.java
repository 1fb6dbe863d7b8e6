package io.watchcache.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * One type's counts in Micrometer's cache vocabulary, the one Caffeine and Spring's caches
 * use: {@code cache.gets{result=hit|miss}}, {@code cache.puts}, {@code cache.evictions} and
 * {@code cache.size}, tagged {@code cache=<type>} and {@code cacheManager=watchcache}. It reads
 * the counts the type's {@code watchcache.*} meters keep, so it adds nothing to the read path.
 * <ul>
 *   <li>hit: a read answered from the entry at its first look, a consistent read's included;</li>
 *   <li>miss: a read that waited for a fetch or for its entry to catch up, or that went to the
 *       source past the cache (a blank key, a consistent read's fallback);</li>
 *   <li>put: a new value stored by a fetch, or prepopulated ("nothing new" is none);</li>
 *   <li>eviction: an entry the cache removed itself, idle or over the size bound (an explicit
 *       evict is not one, as in Caffeine).</li>
 * </ul>
 */
final class TypeCacheMeters extends CacheMeterBinder<TypeMetrics> {

    /** The {@code cacheManager} tag's value, as Spring Boot tags its caches with their manager's name. */
    static final String CACHE_MANAGER = "watchcache";

    private final TypeMetrics metrics;

    TypeCacheMeters(TypeMetrics metrics, String type) {
        super(metrics, type, Tags.of("cacheManager", CACHE_MANAGER));
        this.metrics = metrics;
    }

    @Override
    protected @Nullable Long size() {
        return metrics.entries.get();
    }

    @Override
    protected long hitCount() {
        return metrics.hits();
    }

    @Override
    protected @Nullable Long missCount() {
        return metrics.misses();
    }

    @Override
    protected @Nullable Long evictionCount() {
        return metrics.evictions();
    }

    @Override
    protected long putCount() {
        return metrics.puts();
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
        // The type's own meters are the watchcache.* ones, registered beside these.
    }
}
