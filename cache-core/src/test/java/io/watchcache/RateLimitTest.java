package io.watchcache;

import io.watchcache.testing.ManualTime;
import io.watchcache.testing.ScriptedType;
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
        ManualTime time = new ManualTime();
        cache = new WatchCache(time.options().entryFetchRate(0.5).entryFetchMaxBurst(1).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        // At 0.5/s the second fetch waits 2 s for its token: scheduled, not running.
        await().atMost(Duration.ofSeconds(5)).until(() -> !cache.snapshot().entries().get(0).fetching());
        assertThat(type.fetches()).isEqualTo(1);

        boolean changed = cache.reloadOptions(CacheOptions.builder().entryFetchRate(50).entryFetchMaxBurst(5).build());

        assertThat(changed).isTrue();
        assertThat(cache.reloadOptions(CacheOptions.builder().entryFetchRate(50).entryFetchMaxBurst(5).build()))
                .isFalse();
        // The already scheduled fetch still waits out its old reservation; after it, the new rate applies.
        time.advance(Duration.ofMillis(1999));
        assertThat(type.fetches()).isEqualTo(1);
        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() >= 2);
        // At 50/s, the rest come in a burst of 5, then one per 20 ms: a few hundred ms, not 36 s.
        for (int i = 0; i < 40 && type.fetches() < 20; i++) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !cache.snapshot().entries().get(0).fetching());
            time.advance(Duration.ofMillis(20));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() >= 20);
    }

    @Test
    void callersArrivingDuringARateLimitWaitDoNotPushTheFetchBack() throws Exception {
        ScriptedType type = ScriptedType.plain().fail(new IOException("first try fails")).answer("v", 1);
        ManualTime time = new ManualTime();
        cache = new WatchCache(time.options().entryFetchRate(2).entryFetchMaxBurst(1).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        try {
            t.get(req("k"));
        } catch (FetchFailedException expected) {
            // the entry has no value, and its one token is spent
        }
        // Ten callers of the empty entry, 20 ms apart: the retry waits for the next token, 500 ms
        // after the first fetch, once, for all of them.
        List<CompletableFuture<Result<String>>> callers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            callers.add(t.getAsync(req("k")));
            time.advance(Duration.ofMillis(20));
        }
        time.advance(Duration.ofMillis(299));
        assertThat(callers).noneMatch(CompletableFuture::isDone);
        assertThat(type.fetches()).isEqualTo(1);
        // Restarting the wait per caller would have pushed the fetch back each time.
        time.advance(Duration.ofMillis(1));
        for (var caller : callers) {
            assertThat(caller.get(5, TimeUnit.SECONDS).value()).isEqualTo("v");
        }
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
