package io.watchcache;

import io.watchcache.testing.CallbackType;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A type that answers the cache's callback ({@link AsyncCacheType#fetchAsync(FetchOptions,
 * CacheRequest, BiConsumer)}) instead of a stage: answered inside its call, answered twice,
 * throwing, and cancelled. The scripted flavors ({@code Flavor.CALLBACK}) run the rest of the
 * semantics through the same path.
 */
class CallbackFetchTest {

    /** A blocking, refreshing type that only implements the callback form. */
    private abstract static class BlockingCallbackType extends CallbackType<String> {

        BlockingCallbackType() {
            super(RegisterOptions.blockingRefresh());
        }
    }

    @Test
    void aTypeThatAnswersInsideItsCallDoesNotRecurseFetchStoreFetchOnOneStack() throws Exception {
        // 20,000 fetches that each answer before the call returns: on one stack they would
        // overflow it long before the last.
        int last = 20_000;
        AtomicInteger fetches = new AtomicInteger();
        BlockingCallbackType type = new BlockingCallbackType() {
            @Override
            public Runnable fetchAsync(FetchOptions<String> options, CacheRequest request,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                fetches.incrementAndGet();
                long index = options.minIndex() + 1;
                if (index <= last) {
                    done.accept(FetchResult.of("v" + index, index), null);
                }
                return () -> { };
            }
        };
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("inline", type);

            Result<String> reached = t.get(blockingReq("k", last - 1, Duration.ofSeconds(30)));

            assertThat(reached.meta().index()).isEqualTo(last);
            assertThat(reached.value()).isEqualTo("v" + last);
            assertThat(fetches.get()).isBetween(last, last + 1);
        }
    }

    /** A request type of the application's own: the type's callback form is then reached through a bridge. */
    private record NamedRequest(String name) implements CacheRequest {
        @Override
        public RequestInfo cacheInfo() {
            return RequestInfo.of(name);
        }
    }

    @Test
    void aTypeOfItsOwnRequestTypeIsAnsweredThroughItsCallbackToo() throws Exception {
        AsyncCacheType<NamedRequest, String> type = new AsyncCacheType<>() {
            @Override
            public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, NamedRequest request) {
                throw new AssertionError("the cache fetches through the callback form");
            }

            @Override
            public Runnable fetchAsync(FetchOptions<String> options, NamedRequest request,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                done.accept(FetchResult.of("hello " + request.name(), 3), null);
                return () -> { };
            }
        };
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<NamedRequest, String> t = cache.register("named", type);

            Result<String> result = t.get(new NamedRequest("k"));

            assertThat(result.value()).isEqualTo("hello k");
            assertThat(result.meta().index()).isEqualTo(3);
        }
    }

    @Test
    void aSecondAnswerIsIgnored() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        BlockingCallbackType type = new BlockingCallbackType() {
            @Override
            public Runnable fetchAsync(FetchOptions<String> options, CacheRequest request,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                fetches.incrementAndGet();
                if (options.minIndex() == 0) {
                    Thread answer = new Thread(() -> {
                        done.accept(FetchResult.of("v1", 1), null);
                        done.accept(null, new IllegalStateException("a second answer"));
                        done.accept(FetchResult.of("v9", 9), null);
                    });
                    answer.start();
                }
                // The blocking query after it waits until the cache closes.
                return () -> { };
            }
        };
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("twice", type);

            assertThat(t.get(req("k")).value()).isEqualTo("v1");
            await().atMost(Duration.ofSeconds(5)).until(() -> fetches.get() == 2);
            Thread.sleep(200);

            // Neither the error nor the later value was taken as a fetch of its own.
            Result<String> hit = t.get(req("k"));
            assertThat(hit.meta().hit()).isTrue();
            assertThat(hit.value()).isEqualTo("v1");
            assertThat(hit.meta().index()).isEqualTo(1);
            assertThat(fetches.get()).isEqualTo(2);
            assertThat(cache.snapshot().entries()).singleElement()
                    .satisfies(e -> assertThat(e.lastError()).isNull());
        }
    }

    @Test
    void aTypeThatThrowsFromItsCallFailsTheFetch() {
        BlockingCallbackType type = new BlockingCallbackType() {
            @Override
            public Runnable fetchAsync(FetchOptions<String> options, CacheRequest request,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                throw new IllegalArgumentException("no such key space");
            }
        };
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("throws", type);

            assertThatThrownBy(() -> t.get(req("k"))).isInstanceOf(FetchFailedException.class)
                    .hasRootCauseInstanceOf(IllegalArgumentException.class)
                    .hasRootCauseMessage("no such key space");
        }
    }

    @Test
    void anUncachedReadInterruptedWhileItWaitsCancelsTheTypesStage() throws Exception {
        // A blank key is never stored: the caller's thread waits on the type's stage itself.
        CompletableFuture<FetchResult<String>> never = new CompletableFuture<>();
        AsyncCacheType<CacheRequest, String> type = (options, request) -> never;
        try (WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("uncached", type);
            TestSupport.OnThread<Result<String>> read = TestSupport.onThread(() -> t.get(req("")));
            await().atMost(Duration.ofSeconds(5)).until(read::parked);

            read.thread().interrupt();

            assertThatThrownBy(() -> read.result().get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(never).isCancelled();
        }
    }

    @Test
    void removingTheEntryRunsTheCancelActionOnceAndItsAnswerIsNotNews() throws Exception {
        AtomicInteger cancels = new AtomicInteger();
        List<String> answeredAfterCancel = new CopyOnWriteArrayList<>();
        BlockingCallbackType type = new BlockingCallbackType() {
            @Override
            public Runnable fetchAsync(FetchOptions<String> options, CacheRequest request,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                if (options.minIndex() == 0) {
                    done.accept(FetchResult.of("v1", 1), null);
                    return () -> answeredAfterCancel.add("cancel after the answer");
                }
                return () -> {
                    cancels.incrementAndGet();
                    done.accept(null, new CancellationException("stopped"));
                };
            }
        };
        WatchCache cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("cancelled", type);
        t.get(req("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.snapshot().entries().get(0).fetching());
        String id = cache.snapshot().entries().get(0).id();

        assertThat(cache.evict(id)).isTrue();
        cache.close();

        assertThat(cancels.get()).isEqualTo(1);
        assertThat(answeredAfterCancel).isEmpty();
    }

    @Test
    void theStoresCallbackTypeDeliversEveryWriteAndAnEvictionForgetsItsWaitingRead() throws Exception {
        try (VersionedStore store = new VersionedStore();
             WatchCache cache = WatchCache.create()) {
            TypedCache<CacheRequest, String> t = cache.register("store", store.callbackType(
                    RegisterOptions.blockingRefresh(), v -> v.value() == null ? null : v.value().toString()));
            store.put("k", "a");
            List<String> seen = new CopyOnWriteArrayList<>();
            Subscription watch = t.watch(req("k"), "w", event -> seen.add(event.value()));
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("a"));
            store.put("k", "b");
            store.put("k", "c");
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("c"));
            watch.cancel();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.inFlight() == 1);

            assertThat(cache.evict(cache.snapshot().entries().get(0).id())).isTrue();

            assertThat(seen).containsSubsequence("a", "c").doesNotHaveDuplicates();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.inFlight() == 0);
        }
    }
}
