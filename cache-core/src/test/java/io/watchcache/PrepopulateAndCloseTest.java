package io.watchcache;

import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PrepopulateAndCloseTest {

    @Test
    void prepopulatedEntryIsAHitAndStartsNoFetch() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);

            t.prepopulate(RequestInfo.builder().key("k").partition("dc1").token("secret").build(),
                    FetchResult.of("seeded", 12));
            // Nothing was started: a fetch would be running or waiting for its answer now.
            assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> assertThat(e.fetching()).isFalse());

            Result<String> result = t.get(req(RequestInfo.builder().key("k").partition("dc1")
                    .token("secret").build()));
            assertThat(result.value()).isEqualTo("seeded");
            assertThat(result.meta().hit()).isTrue();
            assertThat(result.meta().index()).isEqualTo(12);
            assertThat(type.fetches()).isZero();
        }
    }

    @Test
    void registerOverridesAreLaidOnTopOfTheTypesOwnOptions() {
        ScriptedType type = new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true)
                .queryTimeout(Duration.ofMinutes(3)).build());
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type, RegisterOptions.builder().refresh(false)
                    .lastGetTtl(Duration.ofMinutes(5)).build());

            RegisterOptions effective = cache.snapshot().types().get(0).options();
            assertThat(effective.supportsBlocking()).isTrue();
            assertThat(effective.refresh()).isFalse();
            assertThat(effective.queryTimeout()).isEqualTo(Duration.ofMinutes(3));
            assertThat(effective.lastGetTtl()).isEqualTo(Duration.ofMinutes(5));
        }
    }

    @Test
    void closeInterruptsAFetchBlockedInsideTheTypeAndReturnsPromptly() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        CompletableFuture<Result<String>> waiting = t.getAsync(req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.running.get() == 1);

        long start = System.nanoTime();
        cache.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.interrupted.get() == 1);
        assertThatThrownBy(() -> waiting.get(2, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void callerBlockedInGetGetsOutPromptlyOnClose() throws Exception {
        ScriptedType type = ScriptedType.blocking();
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        CompletableFuture<Throwable> outcome = TestSupport.getOnThread(t, req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.running.get() == 1);

        cache.close();

        assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessage("WatchCache is closed");
    }

    /** Answers a first read at once, then blocks each later read like a long poll that sees no change. */
    static final class LongPollType implements CacheType<CacheRequest, String> {
        final AtomicInteger fetches = new AtomicInteger();
        final AtomicInteger parked = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger closedStates = new AtomicInteger();

        @Override
        public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
            fetches.incrementAndGet();
            if (options.minIndex() == 0) {
                return FetchResult.of("v", 1).withState((AutoCloseable) closedStates::incrementAndGet);
            }
            parked.incrementAndGet();
            try {
                Thread.sleep(options.timeout().toMillis());
                return FetchResult.unchanged(options.minIndex());
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            } finally {
                parked.decrementAndGet();
            }
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
        }
    }

    @Test
    void closeWithManyPendingFetchesIsQuickAndNothingComesBackToLife() throws Exception {
        LongPollType type = new LongPollType();
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        for (int i = 0; i < 100; i++) {
            assertThat(t.get(req("k" + i)).value()).isEqualTo("v");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> type.parked.get() == 100);

        long start = System.nanoTime();
        cache.close();
        cache.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.parked.get() == 0);
        assertThat(type.interrupted.get()).isEqualTo(100);
        assertThat(type.closedStates.get()).isEqualTo(100);
        // The cache's own executor is shut down: no fetch can start from here on.
        int fetches = type.fetches.get();
        assertThatThrownBy(() -> t.get(req("k2"))).isInstanceOf(IllegalStateException.class);
        assertThat(type.fetches.get()).isEqualTo(fetches);
        assertThat(cache.snapshot().entries()).isEmpty();
        assertThatThrownBy(() -> t.get(req("k1"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t.watch(req("k1"), "c", e -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingACacheWhoseEntriesWaitOnOneSharedFetchLogsNoLostContact() {
        // A source may hand many entries the same stage (a coalesced upstream call, a constant
        // "never"). Closing cancels it through the first entry killed; the others must not
        // report that as their source going silent.
        CompletableFuture<FetchResult<String>> never = new CompletableFuture<>();
        AsyncCacheType<CacheRequest, String> type = new AsyncCacheType<>() {
            @Override
            public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest request) {
                return options.minIndex() >= 1 ? never : CompletableFuture.completedFuture(FetchResult.of("v", 1));
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.blockingRefresh();
            }
        };
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("shared-never", type);
        for (int i = 0; i < 20; i++) {
            t.watch(req("k" + i), "w" + i, e -> { });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().size() == 20
                && cache.snapshot().entries().stream().allMatch(CacheSnapshot.EntryView::fetching));
        int from = CapturedLogs.lines().size();

        cache.close();

        assertThat(never).isCancelled();
        assertThat(CapturedLogs.lines().subList(from, CapturedLogs.lines().size()))
                .noneMatch(line -> line.contains("shared-never") && line.contains("lost contact"));
    }

    @Test
    void closeEndsSubscriptions() {
        ScriptedType type = ScriptedType.blocking().answer("v", 1);
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        Subscription subscription = t.watch(req("k"), "c", e -> { });

        cache.close();

        assertThat(subscription.isActive()).isFalse();
        assertThat(cache.snapshot().watches()).isEmpty();
    }

    @Test
    void evictRemovesOneEntryByItsOpaqueId() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        AutoCloseable state = closed::incrementAndGet;
        ScriptedType type = ScriptedType.blocking().answer(o -> FetchResult.of("a", 1).withState(state))
                .answer("b", 1).answer("a2", 2);
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req("a"));
            t.get(req("b"));
            String id = cache.snapshot().entries().stream().filter(e -> e.key().equals("a")).findFirst()
                    .orElseThrow().id();

            assertThat(cache.evict(id)).isTrue();
            // Stopped before evict returned, not later in a removal callback: its state is closed.
            assertThat(closed.get()).isEqualTo(1);
            assertThat(cache.evict(id)).isFalse();

            assertThat(cache.snapshot().entries()).extracting(CacheSnapshot.EntryView::key).containsExactly("b");
            assertThat(t.get(req("a")).value()).isEqualTo("a2");
        }
    }

    @Test
    void evictReleasesWaitersWithTheLastValue() throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v", 3);
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("t", type);
            t.get(req("k"));
            CompletableFuture<Result<String>> waiting = t.getAsync(blockingReq("k", 3, null));
            await().atMost(Duration.ofSeconds(5)).until(() -> type.running.get() == 1);

            cache.evict(cache.snapshot().entries().get(0).id());

            assertThat(waiting.get(5, TimeUnit.SECONDS).value()).isEqualTo("v");
        }
    }
}
