package io.watchcache.sample;

import io.watchcache.CacheRequest;
import io.watchcache.RequestInfo;

import java.time.Duration;

/**
 * A read of one key, optionally blocking until its index passes {@code minIndex}, or consistent
 * (reflecting every write acknowledged before it).
 */
public record ValueRequest(String key, long minIndex, Duration timeout, boolean consistent) implements CacheRequest {

    public ValueRequest(String key, long minIndex, Duration timeout) {
        this(key, minIndex, timeout, false);
    }

    public static ValueRequest of(String key) {
        return new ValueRequest(key, 0, null);
    }

    @Override
    public RequestInfo cacheInfo() {
        return RequestInfo.builder().key(key).minIndex(minIndex).timeout(timeout).consistent(consistent).build();
    }
}
