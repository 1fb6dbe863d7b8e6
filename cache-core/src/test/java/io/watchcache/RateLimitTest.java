package io.watchcache;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RateLimitTest {

    private WatchCache cache;

    @AfterEach
    void close() {
        cache.close();
    }

    private static ScriptedType fastChangingSource() {
        ScriptedType type = ScriptedType.refreshingBlocking();
        for (int i = 1; i <= 200; i++) {
            type.answer("v" + i, i);
        }
        return type;
    }

    @Test
    void entryFetchRateSpacesFetchesAfterTheBurst() throws Exception {
        ScriptedType type = fastChangingSource();
        cache = new WatchCache(CacheOptions.builder().entryFetchRate(5).entryFetchMaxBurst(2).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        long start = System.nanoTime();
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 6);

        List<Long> times = new ArrayList<>(type.callTimes);
        // Burst of 2, then one every 200 ms: the 6th fetch cannot start before ~800 ms.
        assertThat(Duration.ofNanos(times.get(5) - start)).isGreaterThanOrEqualTo(Duration.ofMillis(750));
        for (int i = 3; i < 6; i++) {
            assertThat(Duration.ofNanos(times.get(i) - times.get(i - 1)))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
    }

    @Test
    void reloadOptionsChangesTheRateOfLiveEntries() throws Exception {
        ScriptedType type = fastChangingSource();
        cache = new WatchCache(CacheOptions.builder().entryFetchRate(0.5).entryFetchMaxBurst(1).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        // At 0.5/s the second fetch would wait 2 s.
        Thread.sleep(300);
        assertThat(type.fetches()).isEqualTo(1);

        boolean changed = cache.reloadOptions(CacheOptions.builder().entryFetchRate(50).entryFetchMaxBurst(5).build());

        assertThat(changed).isTrue();
        assertThat(cache.reloadOptions(CacheOptions.builder().entryFetchRate(50).entryFetchMaxBurst(5).build()))
                .isFalse();
        // The already scheduled fetch still waits out its old reservation; after it, the new rate applies.
        await().atMost(Duration.ofSeconds(6)).until(() -> type.fetches() >= 20);
    }

    @Test
    void callersArrivingDuringARateLimitWaitDoNotPushTheFetchBack() throws Exception {
        ScriptedType type = ScriptedType.plain().fail(new IOException("first try fails")).answer("v", 1);
        cache = new WatchCache(CacheOptions.builder().entryFetchRate(2).entryFetchMaxBurst(1).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        try {
            t.get(req("k"));
        } catch (FetchFailedException expected) {
            // the entry has no value, and its one token is spent
        }
        long start = System.nanoTime();

        // Ten callers of the empty entry: the retry waits ~500 ms for a token, once, for all of them.
        List<CompletableFuture<Result<String>>> callers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            callers.add(t.getAsync(req("k")));
            Thread.sleep(20);
        }
        for (var caller : callers) {
            assertThat(caller.get(5, TimeUnit.SECONDS).value()).isEqualTo("v");
        }

        // Not ten tokens' worth (~5 s): restarting the wait per caller would push the fetch back each time.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
        assertThat(type.fetches()).isEqualTo(2);
    }

    @Test
    void unlimitedByDefault() throws Exception {
        ScriptedType type = fastChangingSource();
        cache = new WatchCache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));

        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() >= 150);
    }
}
