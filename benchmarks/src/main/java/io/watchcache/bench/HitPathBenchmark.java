package io.watchcache.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.WatchCache;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 1: a read of a cached entry, watchcache vs Caffeine vs ConcurrentHashMap, on the
 * same 1,024 keys, each thread walking them from its own random start. Two watchcache entries
 * are measured: a refreshing blocking type (what watchcache is for; a healthy entry's age is
 * 0, so a hit reads no clock) and a plain type (its hit computes the value's age).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HitPathBenchmark {

    static final int KEYS = 1024;

    WatchCache watchCache;
    CacheRequest[] refreshingRequests;
    Cache<String, String> caffeine;
    ConcurrentHashMap<String, String> chm;
    String[] keys;
    CacheRequest[] requests;

    @State(Scope.Thread)
    public static class Cursor {
        int next = ThreadLocalRandom.current().nextInt(KEYS);

        int advance() {
            int i = next;
            next = (i + 1) & (KEYS - 1);
            return i;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        keys = new String[KEYS];
        requests = new CacheRequest[KEYS];
        watchCache = new WatchCache(CacheOptions.defaults());
        watchCache.registerType("kv", (CacheType<CacheRequest, String>) (options, request) ->
                FetchResult.of("value of " + request.cacheInfo().key(), 1));
        // A refreshing blocking type whose background query never returns: the entry stays healthy.
        watchCache.registerType("live", new io.watchcache.AsyncCacheType<CacheRequest, String>() {
            @Override
            public java.util.concurrent.CompletableFuture<FetchResult<String>> fetchAsync(
                    io.watchcache.FetchOptions<String> options, CacheRequest request) {
                return options.minIndex() == 0
                        ? java.util.concurrent.CompletableFuture.completedFuture(
                                FetchResult.of("value of " + request.cacheInfo().key(), 1))
                        : new java.util.concurrent.CompletableFuture<>();
            }

            @Override
            public io.watchcache.RegisterOptions registerOptions() {
                return io.watchcache.RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
            }
        });
        refreshingRequests = new CacheRequest[KEYS];
        caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
        chm = new ConcurrentHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "key-" + i;
            RequestInfo info = RequestInfo.of(key);
            keys[i] = key;
            requests[i] = () -> info;
            watchCache.get("kv", requests[i]);
            refreshingRequests[i] = requests[i];
            watchCache.get("live", refreshingRequests[i]);
            caffeine.put(key, "value of " + key);
            chm.put(key, "value of " + key);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchCache.close();
    }

    @Benchmark
    public Object watchcache(Cursor cursor) throws InterruptedException {
        return watchCache.get("live", refreshingRequests[cursor.advance()]).value();
    }

    @Benchmark
    public Object watchcachePlainType(Cursor cursor) throws InterruptedException {
        return watchCache.get("kv", requests[cursor.advance()]).value();
    }

    @Benchmark
    public Object caffeine(Cursor cursor) {
        return caffeine.getIfPresent(keys[cursor.advance()]);
    }

    @Benchmark
    public Object concurrentHashMap(Cursor cursor) {
        return chm.get(keys[cursor.advance()]);
    }
}
