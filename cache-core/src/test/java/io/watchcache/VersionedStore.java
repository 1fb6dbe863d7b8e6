package io.watchcache;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny index-versioned store with blocking reads, and a blocking refreshing type over it. */
class VersionedStore {

    record Versioned(String value, long index) {
    }

    private final Map<String, Versioned> data = new HashMap<>();
    private long index;

    synchronized long put(String key, String value) {
        index++;
        data.put(key, new Versioned(value, index));
        notifyAll();
        return index;
    }

    synchronized Versioned read(String key, long minIndex, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Versioned current = data.getOrDefault(key, new Versioned(null, 1));
            if (minIndex == 0 || current.index() > minIndex) {
                return current;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return current;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** A blocking, refreshing type over the store: value = the key's value, index = its last change. */
    static final class Type implements CacheType<CacheRequest, String> {
        final VersionedStore store;
        final AtomicInteger fetches = new AtomicInteger();
        private final RegisterOptions options;

        Type(VersionedStore store, boolean refresh) {
            this.store = store;
            this.options = RegisterOptions.builder().supportsBlocking(true).refresh(refresh).build();
        }

        @Override
        public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
            fetches.incrementAndGet();
            Versioned v = store.read(request.cacheInfo().key(), options.minIndex(), options.timeout());
            return FetchResult.of(v.value() == null ? "" : v.value(), v.index());
        }

        @Override
        public RegisterOptions registerOptions() {
            return options;
        }
    }
}
