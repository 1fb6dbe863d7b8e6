package io.watchcache;

/**
 * A request for cached data. The cache only looks at what {@link #cacheInfo()} describes:
 * which entry the request belongs to and how fresh an answer it needs. The request object
 * itself is handed back to the {@link CacheType} on every fetch.
 */
@FunctionalInterface
public interface CacheRequest {

    /** Describes the entry this request reads and the freshness it asks for. */
    RequestInfo cacheInfo();
}
