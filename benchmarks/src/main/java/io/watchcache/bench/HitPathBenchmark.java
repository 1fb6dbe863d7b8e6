package io.watchcache.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.LiveValue;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.TypedCache;
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

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 1: a read of a cached entry, watchcache vs Caffeine vs ConcurrentHashMap, on the
 * same 1,024 keys, each thread walking them from its own random start. Three watchcache reads
 * are measured: {@code TypedCache.get} on a refreshing blocking type (what watchcache is for; a
 * healthy entry's age is 0, so a hit reads no clock), the same on a plain type (its hit computes
 * the value's age), and {@code LiveValue.get} (a held value: a field read).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HitPathBenchmark {

    static final int KEYS = 1024;

    WatchCache watchCache;
    TypedCache<CacheRequest, String> plain;
    TypedCache<CacheRequest, String> refreshing;
    CacheRequest[] requests;
    LiveValue<String>[] lives;
    Cache<String, String> caffeine;
    ConcurrentHashMap<String, String> chm;
    String[] keys;

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
    @SuppressWarnings("unchecked")
    public void setUp() throws Exception {
        keys = new String[KEYS];
        requests = new CacheRequest[KEYS];
        lives = new LiveValue[KEYS];
        watchCache = new WatchCache(CacheOptions.defaults());
        plain = watchCache.register("kv", (CacheType<CacheRequest, String>) (options, request) ->
                FetchResult.of("value of " + request.cacheInfo().key(), 1));
        // A refreshing blocking type whose background query never returns: the entry stays healthy.
        refreshing = watchCache.register("live", new AsyncCacheType<CacheRequest, String>() {
            @Override
            public CompletableFuture<FetchResult<String>> fetchAsync(FetchOptions<String> options,
                                                                     CacheRequest request) {
                return options.minIndex() == 0
                        ? CompletableFuture.completedFuture(FetchResult.of("value of " + request.cacheInfo().key(), 1))
                        : new CompletableFuture<>();
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.blockingRefresh();
            }
        });
        caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
        chm = new ConcurrentHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "key-" + i;
            RequestInfo info = RequestInfo.of(key);
            keys[i] = key;
            requests[i] = () -> info;
            plain.get(requests[i]);
            refreshing.get(requests[i]);
            lives[i] = refreshing.live(requests[i]);
            lives[i].get();
            caffeine.put(key, "value of " + key);
            chm.put(key, "value of " + key);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (LiveValue<String> live : lives) {
            live.close();
        }
        watchCache.close();
    }

    @Benchmark
    public Object watchcache(Cursor cursor) throws InterruptedException {
        return refreshing.get(requests[cursor.advance()]).value();
    }

    @Benchmark
    public Object watchcachePlainType(Cursor cursor) throws InterruptedException {
        return plain.get(requests[cursor.advance()]).value();
    }

    @Benchmark
    public Object watchcacheLive(Cursor cursor) {
        return lives[cursor.advance()].get();
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
