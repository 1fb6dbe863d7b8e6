package io.watchcache;

import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A reader finds (or makes) an entry, and the entry leaves the table before it has a value: an
 * {@code evict}, or the size bound. The reader was promised a fetch, so it waits on the key's
 * next entry for the rest of its time; before, it got a null value at once.
 */
class RemovedEntryRaceTest {

    /** Evicts the lone entry while its first fetch runs; returns once the next entry's fetch has begun. */
    private static void evictWhileItFetches(WatchCache cache, ScriptedType type) {
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 1);
        assertThat(cache.evict(cache.snapshot().entries().get(0).id())).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);
    }

    @Test
    void aGetAsyncWhoseEntryIsEvictedBeforeItsFirstValueWaitsOnTheNextEntry() throws Exception {
        ScriptedType type = ScriptedType.plain();
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            CompletableFuture<Result<String>> read = t.getAsync(req("k"));
            evictWhileItFetches(cache, type);
            // The removed entry's fetch may still take an answer: it goes nowhere.
            type.answer("v", 1).answer("v", 1);

            Result<String> result = read.get(5, TimeUnit.SECONDS);
            assertThat(result.value()).isEqualTo("v");
            assertThat(result.meta().index()).isEqualTo(1);
            // The next entry is the table's: a read now is a hit on it.
            assertThat(t.get(req("k")).meta().hit()).isTrue();
        }
    }

    @Test
    void aParkedGetWhoseEntryIsEvictedBeforeItsFirstValueWaitsOnTheNextEntry() throws Exception {
        ScriptedType type = ScriptedType.plain();
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            CompletableFuture<Result<String>> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return t.get(req("k"));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            evictWhileItFetches(cache, type);
            type.answer("v", 1).answer("v", 1);

            assertThat(read.get(5, TimeUnit.SECONDS).value()).isEqualTo("v");
        }
    }

    @Test
    void cancellingTheReadAfterItsEntryWasEvictedLeavesTheNextEntryUnheld() throws Exception {
        ScriptedType type = ScriptedType.plain();
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            CompletableFuture<Result<String>> read = t.getAsync(req("k"));
            evictWhileItFetches(cache, type);

            read.cancel(false);

            // The wait moved to the next entry; the cancel reached it there.
            await().atMost(Duration.ofSeconds(5)).until(() -> TestSupport.waiters(cache, "k") == 0);
            assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> assertThat(e.held()).isFalse());
        }
    }

    @Test
    void aReadThatTimesOutBeforeAnyValueStillGetsNull() throws Exception {
        ScriptedType type = ScriptedType.plain();
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            RequestInfo shortWait = RequestInfo.builder().key("k").timeout(Duration.ofMillis(200)).build();
            CompletableFuture<Result<String>> read = t.getAsync(req(shortWait));

            // Like a blocking query, a wait that runs out gets the last known value: none.
            assertThat(read.get(5, TimeUnit.SECONDS).value()).isNull();
        }
    }

    @Test
    void readsRacingEvictionsAlwaysGetAValue() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        AtomicInteger evictions = new AtomicInteger();
        CacheType<CacheRequest, String> slow = (options, request) -> {
            Thread.sleep(1);
            return FetchResult.of("v" + request.cacheInfo().key(), fetches.incrementAndGet());
        };
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", slow);
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService threads = Executors.newFixedThreadPool(3);
            try {
                List<Future<Integer>> readers = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    readers.add(threads.submit(() -> {
                        int reads = 0;
                        while (running.get()) {
                            String key = "k" + (reads % 3);
                            Result<String> result = t.get(req(key));
                            assertThat(result.value()).as("read %d of %s", reads, key).isEqualTo("v" + key);
                            reads++;
                        }
                        return reads;
                    }));
                }
                Future<?> evicting = threads.submit(() -> {
                    while (running.get()) {
                        cache.snapshot().entries().forEach(e -> {
                            if (cache.evict(e.id())) {
                                evictions.incrementAndGet();
                            }
                        });
                    }
                });
                Thread.sleep(1_500);
                running.set(false);
                evicting.get(10, TimeUnit.SECONDS);
                for (Future<Integer> reader : readers) {
                    assertThat(reader.get(10, TimeUnit.SECONDS)).isPositive();
                }
            } finally {
                threads.shutdownNow();
            }
            // How many fetches answer during such a storm varies a lot (5 to 300 per run here): most
            // entries go before theirs does. What holds is above: every read got its key's value.
            assertThat(evictions.get()).as("entries evicted").isPositive();
            assertThat(fetches.get()).as("fetches answered").isPositive();
        }
    }
}
