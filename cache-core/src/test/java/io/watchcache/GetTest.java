package io.watchcache;

import io.watchcache.testing.Flavor;
import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class GetTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    private WatchCache cache(CacheOptions options) {
        WatchCache cache = new WatchCache(options);
        closeables.add(cache);
        return cache;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void firstGetMissesAndFetchesSecondGetHitsWithoutFetching(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        Result<String> first = t.get(req("k"));
        Result<String> second = t.get(req("k"));

        assertThat(first.value()).isEqualTo("v1");
        assertThat(first.meta().hit()).isFalse();
        assertThat(first.meta().index()).isEqualTo(5);
        assertThat(second.value()).isEqualTo("v1");
        assertThat(second.meta().hit()).isTrue();
        assertThat(type.fetches()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aGetWithoutTimeoutForAnIndexFarAheadEndsAtTheTypesQueryTimeout(Flavor flavor) throws Exception {
        // Each blocking query waits out its timeout and answers "nothing new".
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true)
                .queryTimeout(Duration.ofMillis(400)).build()).answer("v", 5);
        for (int i = 0; i < 20; i++) {
            type.answer(o -> {
                Thread.sleep(o.timeout().toMillis());
                return FetchResult.unchanged(o.minIndex());
            });
        }
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        long start = System.nanoTime();

        Result<String> result = t.get(() -> RequestInfo.builder().key("k").minIndex(1000).build());

        // Like a blocking query: the current value, no error, after about one query timeout.
        assertThat(result.value()).isEqualTo("v");
        assertThat(result.meta().index()).isEqualTo(5);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350),
                Duration.ofMillis(1500));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void hundredConcurrentCallersShareOneFetch(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking();
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        ExecutorService callers = Executors.newFixedThreadPool(100);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Result<String>>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                results.add(callers.submit(() -> {
                    go.await();
                    return t.get(req("k"));
                }));
            }
            go.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() == 1);
            // Every caller but the first (whose read started the fetch) joins it while it runs.
            await().atMost(Duration.ofSeconds(10)).until(() -> TestSupport.waiters(cache, "k") == 100);
            type.answer("shared", 7);
            for (Future<Result<String>> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS).value()).isEqualTo("shared");
            }
            assertThat(type.fetches()).isEqualTo(1);
            assertThat(type.maxRunning.get()).isEqualTo(1);
        } finally {
            callers.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void blockingGetWaitsForAnIndexPastMinIndex(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        CompletableFuture<Result<String>> waiting = t.getAsync(blockingReq("k", 5, null));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);
        assertThat(type.calls.get(1).minIndex()).isEqualTo(5);
        assertThat(waiting).isNotDone();

        type.answer("v2", 6);
        Result<String> result = waiting.get(5, TimeUnit.SECONDS);
        assertThat(result.value()).isEqualTo("v2");
        assertThat(result.meta().index()).isEqualTo(6);
        assertThat(result.meta().hit()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void minIndexBelowEntryIndexIsAHit(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        Result<String> result = t.get(blockingReq("k", 4, null));

        assertThat(result.meta().hit()).isTrue();
        assertThat(type.fetches()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void waitingCallerGetsLastValueWithoutErrorWhenItsTimeoutElapses(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        long start = System.nanoTime();
        Result<String> result = t.get(blockingReq("k", 5, Duration.ofMillis(200)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        assertThat(result.value()).isEqualTo("v1");
        assertThat(result.meta().index()).isEqualTo(5);
        assertThat(result.meta().hit()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void timeoutBeforeAnyValueReturnsNull(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking();
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        Result<String> result = t.get(blockingReq("k", 0, Duration.ofMillis(100)));

        assertThat(result.value()).isNull();
        assertThat(result.meta().index()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void interruptedCallerGetsOutAtOnce(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking();
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        CompletableFuture<Throwable> outcome = TestSupport.getOnThread(t, req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 1);

        TestSupport.callerOf(outcome).interrupt();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> assertThat(e.fetching()).isTrue());
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void cancelledAsyncCallerLeavesTheFetchToOthers(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking();
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        CompletableFuture<Result<String>> cancelled = t.getAsync(req("k"));
        CompletableFuture<Result<String>> other = t.getAsync(req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 1);

        cancelled.cancel(true);
        type.answer("v", 3);

        assertThat(cancelled).isCancelled();
        assertThat(other.get(5, TimeUnit.SECONDS).value()).isEqualTo("v");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void partitionsTokensAndTypesAreSeparateEntries(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain();
        ScriptedType other = ScriptedType.plain();
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        TypedCache<CacheRequest, String> u = cache.register("u", other);
        for (int i = 0; i < 4; i++) {
            type.answer("t" + i, i + 1);
        }
        other.answer("u", 1);

        Result<String> plain = t.get(req("k"));
        Result<String> dc2 = t.get(req(RequestInfo.builder().key("k").partition("dc2").build()));
        Result<String> tokenA = t.get(req(RequestInfo.builder().key("k").token("a").build()));
        Result<String> tokenB = t.get(req(RequestInfo.builder().key("k").token("b").build()));
        Result<String> otherType = u.get(req("k"));

        assertThat(List.of(plain.value(), dc2.value(), tokenA.value(), tokenB.value(), otherType.value()))
                .containsExactly("t0", "t1", "t2", "t3", "u");
        assertThat(t.get(req(RequestInfo.builder().key("k").token("b").build())).value()).isEqualTo("t3");
        assertThat(type.fetches()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void blankKeyBypassesTheCache(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("a", 1).answer("b", 2);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        Result<String> first = t.get(req(""));
        Result<String> second = t.get(req(" "));

        assertThat(first.value()).isEqualTo("a");
        assertThat(second.value()).isEqualTo("b");
        assertThat(second.meta().hit()).isFalse();
        assertThat(type.fetches()).isEqualTo(2);
        assertThat(cache.snapshot().entries()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void maxAgeRefetchesAnOlderValueOfANonRefreshingType(Flavor flavor) throws Exception {
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        ScriptedType type = ScriptedType.plain().answer("old", 1).answer("new", 2);
        WatchCache cache = cache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        CacheRequest maxAge = req(RequestInfo.builder().key("k").maxAge(Duration.ofSeconds(10)).build());
        t.get(maxAge);

        ticker.advance(Duration.ofSeconds(5));
        Result<String> young = t.get(maxAge);
        Duration youngAge = young.meta().age();
        ticker.advance(Duration.ofSeconds(6));
        Result<String> refetched = t.get(maxAge);

        assertThat(young.meta().hit()).isTrue();
        assertThat(youngAge).isEqualTo(Duration.ofSeconds(5));
        assertThat(refetched.value()).isEqualTo("new");
        assertThat(refetched.meta().hit()).isFalse();
        assertThat(type.fetches()).isEqualTo(2);
    }

    @Test
    void aNonRefreshingHitShowsItsAgeToTheNanosecondOnTheCachesClock() throws Exception {
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        ScriptedType type = ScriptedType.plain().answer("v", 1);
        WatchCache cache = cache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        Result<String> fetched = t.get(req("k"));

        ticker.advance(Duration.ofSeconds(3));
        Result<String> first = t.get(req("k"));
        Duration firstAge = first.meta().age();
        ticker.advance(Duration.ofNanos(1));
        Result<String> next = t.get(req("k"));
        CompletableFuture<Result<String>> async = t.getAsync(req("k")).toCompletableFuture();

        assertThat(first.meta().hit()).isTrue();
        assertThat(firstAge).isEqualTo(Duration.ofSeconds(3));
        assertThat(next.meta().age()).isEqualTo(Duration.ofSeconds(3).plusNanos(1));
        assertThat(async.get().meta().age()).isEqualTo(Duration.ofSeconds(3).plusNanos(1));
        // The age is read when asked: a result kept by the caller ages with the value.
        assertThat(first.meta().age()).isEqualTo(Duration.ofSeconds(3).plusNanos(1));
        assertThat(fetched.meta().hit()).isFalse();
        assertThat(fetched.meta().age()).isEqualTo(Duration.ofSeconds(3).plusNanos(1));
        assertThat(next.value()).isEqualTo("v");
        assertThat(type.fetches()).isEqualTo(1);
    }

    @Test
    void aHitThirtyMillisecondsOldOnTheSystemClockSaysSo() throws Exception {
        ScriptedType type = ScriptedType.plain().answer("v", 1);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        long asked = System.nanoTime();
        t.get(req("k"));
        Thread.sleep(30);

        Result<String> hit = t.get(req("k"));
        Duration age = hit.meta().age();
        long upperBound = System.nanoTime() - asked;

        assertThat(hit.meta().hit()).isTrue();
        // At least the 30 ms slept, at most the time since the fetch was asked for: the age is
        // not read on a coarse clock.
        assertThat(age).isGreaterThanOrEqualTo(Duration.ofMillis(30))
                .isLessThanOrEqualTo(Duration.ofNanos(upperBound).plusMillis(1));
    }

    @Test
    void aHitReadsNoClockAndReturnsTheResultStoredWithTheValue() throws Exception {
        AtomicLong reads = new AtomicLong();
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        Ticker counting = () -> {
            reads.incrementAndGet();
            return ticker.read();
        };
        ScriptedType type = ScriptedType.plain().answer("v", 1);
        WatchCache cache = cache(CacheOptions.builder().ticker(counting).build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        Result<String> first = t.get(req("k"));
        long before = reads.get();

        Result<String> again = t.get(req("k"));

        assertThat(again).isSameAs(first);
        // One read: the use check's, on the coarse clock (here the same injected ticker); none
        // for the age.
        assertThat(reads.get() - before).as("clock reads by one hit").isEqualTo(1);
        ticker.advance(Duration.ofMillis(7));
        assertThat(again.meta().age()).isEqualTo(Duration.ofMillis(7));
    }

    @Test
    void aHitAfterAStoreReturnsTheNewValueNeverTheResultKeptForTheOldOne() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v1", 1);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        t.get(req("k"));
        Result<String> kept = t.get(req("k"));
        assertThat(t.get(req("k"))).isSameAs(kept);

        type.answer("v2", 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Result<String> now = t.get(req("k"));
        while (now.meta().index() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
            now = t.get(req("k"));
        }

        assertThat(now.value()).isEqualTo("v2");
        assertThat(now.meta().hit()).isTrue();
        // From the store on, every hit (the hit path's and the slow path's) returns the new one.
        for (int i = 0; i < 1_000; i++) {
            Result<String> hit = t.get(req("k"));
            assertThat(hit.value()).isEqualTo("v2");
            assertThat(hit.meta().index()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void mustRevalidateFetchesEvenWhenTheValueIsCached(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().answer("v1", 1).answer("v2", 2);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        Result<String> revalidated = t.get(req(RequestInfo.builder().key("k").mustRevalidate(true).build()));

        assertThat(revalidated.value()).isEqualTo("v2");
        assertThat(revalidated.meta().hit()).isFalse();
        assertThat(type.fetches()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refreshingTypesIgnoreMaxAgeAndMustRevalidate(Flavor flavor) throws Exception {
        TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
        ScriptedType type = new ScriptedType(RegisterOptions.builder().refresh(true)
                .refreshTimer(Duration.ofHours(1)).build()).answer("v1", 1);
        WatchCache cache = cache(CacheOptions.builder().ticker(ticker).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        ticker.advance(Duration.ofMinutes(5));

        Result<String> result = t.get(req(RequestInfo.builder().key("k").maxAge(Duration.ofSeconds(1))
                .mustRevalidate(true).build()));

        assertThat(result.meta().hit()).isTrue();
        assertThat(result.meta().age()).isZero();
        assertThat(type.fetches()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void nonBlockingTypesAreNeverAskedForAMinIndexAndDoNotBlock(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(blockingReq("k", 9, null));

        Result<String> result = t.get(blockingReq("k", 9, Duration.ofSeconds(30)));

        assertThat(result.meta().hit()).isTrue();
        assertThat(type.calls).extracting(FetchOptions::minIndex).containsExactly(0L);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void blockingFetchGetsEntryIndexAndQueryTimeout(Flavor flavor) throws Exception {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true)
                .queryTimeout(Duration.ofSeconds(42)).build()).answer("v1", 5).answer("v2", 6);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        t.get(blockingReq("k", 5, null));

        assertThat(type.calls).extracting(FetchOptions::minIndex).containsExactly(0L, 5L);
        assertThat(type.calls).extracting(FetchOptions::timeout).containsOnly(Duration.ofSeconds(42));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void defaultQueryTimeoutIsTenMinutes(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5);
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        assertThat(type.calls.get(0).timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(cache.snapshot().types().get(0).options().lastGetTtl()).isEqualTo(Duration.ofHours(72));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void asyncGetOfAHitIsCompletedAtOnce(Flavor flavor) throws Exception {
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(ScriptedType.plain().answer("v", 1)));
        t.get(req("k"));

        CompletableFuture<Result<String>> hit = t.getAsync(req("k"));

        assertThat(hit).isCompleted();
        assertThat(hit.get().meta().hit()).isTrue();
    }

    @Test
    void asyncTypeHoldsNoThreadAndFeedsGets() throws Exception {
        CompletableFuture<FetchResult<String>> pending = new CompletableFuture<>();
        AsyncCacheType<CacheRequest, String> type = (options, request) -> pending;
        WatchCache cache = cache(CacheOptions.defaults());
        TypedCache<CacheRequest, String> a = cache.register("a", type);

        CompletableFuture<Result<String>> result = a.getAsync(req("k"));
        assertThat(result).isNotDone();
        pending.complete(FetchResult.of("async", 3));

        assertThat(result.get(5, TimeUnit.SECONDS).value()).isEqualTo("async");
        assertThat(a.get(req("k")).meta().hit()).isTrue();
    }
}
