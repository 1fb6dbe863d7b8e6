package io.watchcache.sample;

import io.watchcache.CacheRequest;
import io.watchcache.RequestInfo;

import java.time.Duration;

/** A read of one key, optionally blocking until its index passes {@code minIndex}. */
public record ValueRequest(String key, long minIndex, Duration timeout) implements CacheRequest {

    public static ValueRequest of(String key) {
        return new ValueRequest(key, 0, null);
    }

    @Override
    public RequestInfo cacheInfo() {
        return RequestInfo.builder().key(key).minIndex(minIndex).timeout(timeout).build();
    }
}
