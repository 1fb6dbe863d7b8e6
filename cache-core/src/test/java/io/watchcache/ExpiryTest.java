package io.watchcache;

import io.watchcache.testing.Flavor;
import io.watchcache.testing.ManualTime;
import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.TrackingExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ExpiryTest {

    private final TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
    private final ManualTime time = new ManualTime();
    private final TrackingExecutor executor = new TrackingExecutor();
    private WatchCache cache;

    @AfterEach
    void close() {
        cache.close();
        executor.close();
    }

    static final class Handle implements AutoCloseable {
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anEntryReadOnceInAQuietCacheExpiresWithinItsTtlPlusASecond(Flavor flavor) throws Exception {
        // Real time, and nothing else touches the cache: only the cache's own scheduling can expire it.
        // The first fetch outlasts the TTL, so the entry's expiry is "never" (a waiter holds it) when
        // the cache first looks at it; only the waiter leaving sets its TTL.
        Handle handle = new Handle();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true)
                .lastGetTtl(Duration.ofMillis(500)).build())
                .answer(o -> {
                    Thread.sleep(1000);
                    return FetchResult.of("v", 1).withState(handle);
                });
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        t.get(req("k"));
        long read = System.nanoTime();

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> handle.closed.get() == 1);
        // Within its TTL plus at most a second (one sweep a second) and a coarse-clock tick.
        assertThat(Duration.ofNanos(System.nanoTime() - read)).isLessThan(Duration.ofMillis(1500 + 300));
        // Its refresh stopped with it: the fetch parked in the type was interrupted, none followed.
        await().atMost(Duration.ofSeconds(5)).until(() -> type.running.get() == 0);
        assertThat(type.interrupted.get()).isEqualTo(1);
        assertThat(type.fetches()).isEqualTo(2);
        assertThat(cache.snapshot().entries()).isEmpty();
    }

    @Test
    void anIdleEntryWhoseTtlIsLongerThanTheSweepPeriodStillExpires() throws Exception {
        // The sweep looks at every entry each second until its TTL passes; looking must not
        // count as use, or an entry with a TTL over a second would never expire.
        Handle handle = new Handle();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofMillis(2500)).build())
                .answer(o -> FetchResult.of("v", 1).withState(handle));
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);

        t.get(req("k"));
        long read = System.nanoTime();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> handle.closed.get() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - read)).isLessThan(Duration.ofMillis(2500 + 1500));
    }

    @Test
    void entryUnusedForItsTtlIsRemovedAndItsStateClosed() throws Exception {
        Handle handle = new Handle();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofMinutes(10)).build())
                .answer(o -> FetchResult.of("v", 1).withState(handle)).answer("again", 2);
        cache = new WatchCache(time.options().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));

        TestSupport.advanceSwept(time, executor, Duration.ofMinutes(9), 0);
        assertThat(cache.snapshot().entries()).hasSize(1);
        TestSupport.advanceSwept(time, executor, Duration.ofMinutes(2), 0);

        assertThat(cache.snapshot().entries()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> handle.closed.get() == 1);
        Result<String> fresh = t.get(req("k"));
        assertThat(fresh.value()).isEqualTo("again");
        assertThat(fresh.meta().hit()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aReadAfterTheTtlIsAMissWhetherOrNotTheCleanupHasRun(Flavor flavor) throws Exception {
        // As a new user tried it: refresh off, a 300 ms TTL, a hit 30 ms later, then 900 ms idle.
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofMillis(300)).build())
                .answer("old", 1).answer("new", 2);
        cache = new WatchCache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        ticker.advance(Duration.ofMillis(30));
        assertThat(t.get(req("k")).meta().hit()).isTrue();

        ticker.advance(Duration.ofMillis(900));
        // Swept or not by now: the read itself must not serve an entry idle past its TTL.
        Result<String> late = t.get(req("k"));

        assertThat(late.meta().hit()).isFalse();
        assertThat(late.value()).isEqualTo("new");
        assertThat(type.fetches()).isEqualTo(2);
    }

    @Test
    void theSweepRemovesAnIdleEntryWithinASecondOfItsTtlAndNeverBefore() throws Exception {
        Handle handle = new Handle();
        ManualTime time = new ManualTime();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofSeconds(10)).build())
                .answer(o -> FetchResult.of("v", 1).withState(handle));
        cache = new WatchCache(time.options().build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));

        // Every sweep up to the TTL leaves it.
        time.advance(Duration.ofSeconds(10).minusNanos(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> time.pending() > 0);
        assertThat(handle.closed.get()).as("removed before its TTL").isZero();
        assertThat(cache.snapshot().entries()).hasSize(1);
        // The first sweep after it removes it: at most a second later.
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> handle.closed.get() == 1);
        assertThat(cache.snapshot().entries()).isEmpty();
    }

    @Test
    void theTtlIsExactToTheNanosecond() throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofSeconds(64)).build())
                .answer("old", 1).answer("new", 2);
        cache = new WatchCache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));

        ticker.advance(Duration.ofSeconds(64).minusNanos(1));
        assertThat(t.get(req("k")).meta().hit()).as("one nanosecond before the TTL").isTrue();
        ticker.advance(Duration.ofSeconds(64));
        assertThat(t.get(req("k")).meta().hit()).as("a TTL after the last read").isFalse();
    }

    @Test
    void everyGetExtendsTheTtl() throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().lastGetTtl(Duration.ofMinutes(10)).build())
                .answer("v", 1);
        cache = new WatchCache(time.options().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));

        for (int i = 0; i < 5; i++) {
            TestSupport.advanceSwept(time, executor, Duration.ofMinutes(8), 0);
            assertThat(t.get(req("k")).meta().hit()).isTrue();
        }

        assertThat(cache.snapshot().entries()).hasSize(1);
        assertThat(type.fetches()).isEqualTo(1);
    }

    @Test
    void expiryStopsTheRefreshLoop() throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true)
                .lastGetTtl(Duration.ofMinutes(1)).build()).answer("v", 1);
        cache = new WatchCache(time.options().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.running.get() == 1);

        // The refresh's blocking fetch holds its thread until the sweep interrupts it.
        TestSupport.advanceSwept(time, executor, Duration.ofMinutes(2), 1);

        await().atMost(Duration.ofSeconds(5)).until(() -> type.interrupted.get() == 1);
        type.answer("late", 2);
        // The interrupted fetch ended (its task is done) and started none: the "late" answer is never taken.
        await().atMost(Duration.ofSeconds(5)).until(() -> executor.running() == 0);
        assertThat(type.fetches()).isEqualTo(2);
        assertThat(cache.snapshot().entries()).isEmpty();
    }

    @Test
    void aCallerWaitingInGetKeepsTheEntryAlive() throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true)
                .lastGetTtl(Duration.ofMinutes(1)).build()).answer("v1", 1);
        cache = new WatchCache(time.options().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        CompletableFuture<Result<String>> waiting = t.getAsync(blockingReq("k", 1, null));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);

        // Nine TTLs, within the wait's default 10-minute timeout; the blocking fetch the caller
        // waits on holds one of the executor's threads.
        TestSupport.advanceSwept(time, executor, Duration.ofMinutes(9), 1);
        assertThat(cache.snapshot().entries()).hasSize(1);

        type.answer("v2", 2);
        assertThat(waiting.get(5, TimeUnit.SECONDS).value()).isEqualTo("v2");
        // Once the waiter is gone, the ordinary TTL applies again from its last use.
        TestSupport.advanceSwept(time, executor, Duration.ofMinutes(2), 0);
        assertThat(cache.snapshot().entries()).isEmpty();
    }

    @Test
    void maxEntriesBoundsTheTable() throws Exception {
        ScriptedType type = ScriptedType.plain();
        for (int i = 0; i < 50; i++) {
            type.answer("v" + i, 1);
        }
        cache = new WatchCache(CacheOptions.builder().maxEntries(10).executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        for (int i = 0; i < 50; i++) {
            t.get(req("k" + i));
        }

        // Caffeine evicts past the bound in its maintenance: at the latest the next idle sweep's.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(cache.snapshot().entries()).hasSizeLessThanOrEqualTo(10));
    }
}
