package io.watchcache.spring.boot;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** An index-versioned store with blocking reads, and blocking cache types over it. */
class TestStore {

    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, Long> indexes = new HashMap<>();
    private long index = 1; // a missing key reads as index 1, so the first put must be 2
    final AtomicInteger parked = new AtomicInteger();

    synchronized void put(String key, Object value) {
        index++;
        values.put(key, value);
        indexes.put(key, index);
        notifyAll();
    }

    synchronized FetchResult<Object> read(String key, long minIndex, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        parked.incrementAndGet();
        try {
            while (true) {
                long current = indexes.getOrDefault(key, 1L);
                if (minIndex == 0 || current > minIndex) {
                    return FetchResult.of(values.getOrDefault(key, "none"), current);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return FetchResult.unchanged(current);
                }
                wait(Math.max(1, left / 1_000_000));
            }
        } finally {
            parked.decrementAndGet();
        }
    }

    /** A blocking, refreshing type whose values are {@code V}. */
    @SuppressWarnings("unchecked")
    <V> CacheType<CacheRequest, V> type(Function<Object, V> convert) {
        return new CacheType<>() {
            @Override
            public FetchResult<V> fetch(FetchOptions<V> options, CacheRequest request) throws Exception {
                FetchResult<Object> r = read(request.cacheInfo().key(), options.minIndex(), options.timeout());
                return r.unchanged() ? FetchResult.unchanged(r.index()) : FetchResult.of(convert.apply(r.value()), r.index());
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
            }
        };
    }
}
