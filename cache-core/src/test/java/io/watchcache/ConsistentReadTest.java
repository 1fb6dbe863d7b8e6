package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Consistent reads (DESIGN.md, Revision 4): served from the entry once its index reaches the
 * one the type tells, waited for when it is behind, fetched past the cache when the entry does
 * not catch up in time or the type cannot tell; never an older value.
 */
class ConsistentReadTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private WatchCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    /**
     * A source with a current value and index. A fetch past {@code minIndex} answers at once when
     * the source is past it and {@link #lagging} is off, else when {@link #publish} moves it; the
     * hook answers the source's current index, as a global revision would.
     */
    static final class Source implements AsyncCacheType<CacheRequest, String> {
        volatile String value = "v1";
        volatile long index = 1;
        /** Fetches that wait park even when the source is past them: an entry that lags. */
        volatile boolean lagging;
        final boolean hook;
        /** The source client's own thread, when its answers come from one (null: at once, on the caller's). */
        volatile Executor client;
        final AtomicInteger fetches = new AtomicInteger();
        final AtomicInteger asked = new AtomicInteger();
        final List<CompletableFuture<FetchResult<String>>> parked = new CopyOnWriteArrayList<>();
        private final List<Long> parkedAt = new CopyOnWriteArrayList<>();

        Source(boolean hook) {
            this.hook = hook;
        }

        @Override
        public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest request) {
            fetches.incrementAndGet();
            if (options.minIndex() == 0 || (options.minIndex() < index && !lagging)) {
                return CompletableFuture.completedFuture(FetchResult.of(value, index));
            }
            CompletableFuture<FetchResult<String>> wait = new CompletableFuture<>();
            synchronized (this) {
                parked.add(wait);
                parkedAt.add(options.minIndex());
            }
            return wait;
        }

        synchronized void publish(String next, long at) {
            value = next;
            index = at;
            if (!lagging) {
                release();
            }
        }

        synchronized void release() {
            for (int i = 0; i < parked.size(); i++) {
                if (parkedAt.get(i) < index) {
                    parked.get(i).complete(FetchResult.of(value, index));
                }
            }
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.blockingRefresh();
        }

        @Override
        public boolean supportsConsistentReads() {
            return hook;
        }

        @Override
        public CompletionStage<Long> consistentIndex(CacheRequest request, FetchResult<String> last,
                                                     Duration timeout) {
            asked.incrementAndGet();
            long now = index;
            Executor thread = client;
            return thread == null ? CompletableFuture.completedFuture(now)
                    : CompletableFuture.supplyAsync(() -> {
                        // Later than the caller's callbacks are attached: they run where the answer comes.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                        return now;
                    }, thread);
        }
    }

    private TypedCache<CacheRequest, String> register(Source source) {
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        return cache.register("t", source);
    }

    private static CacheRequest consistent(String key, Duration timeout) {
        return req(RequestInfo.builder().key(key).consistent(true).timeout(timeout).build());
    }

    private double gets(String result) {
        return registry.counter("watchcache.gets", "type", "t", "result", result).count();
    }

    @Test
    void anEntryThatHasReachedTheIndexAnswersAtOnce() throws Exception {
        Source source = new Source(true);
        TypedCache<CacheRequest, String> t = register(source);
        t.get(req("k"));
        int fetches = source.fetches.get();

        Result<String> read = t.get(consistent("k", Duration.ofSeconds(5)));

        assertThat(read.value()).isEqualTo("v1");
        assertThat(read.meta().consistent()).isTrue();
        assertThat(read.meta().hit()).isTrue();
        assertThat(read.meta().index()).isEqualTo(1);
        assertThat(source.asked.get()).isEqualTo(1);
        // Only the entry's own background query ran: no read of the value for the consistent one.
        assertThat(source.fetches.get() - fetches).isLessThanOrEqualTo(1);
        assertThat(gets("consistent_hit")).isEqualTo(1);
        // Counted once, as consistent: the first plain read was the miss, and no plain hit since.
        assertThat(gets("miss")).isEqualTo(1);
        assertThat(gets("hit")).isZero();
        assertThat(registry.timer("watchcache.consistent.wait", "type", "t").count()).isEqualTo(1);
    }

    @Test
    void anEntryBehindTheIndexIsWaitedForNeverAnsweredWithItsOlderValue() throws Exception {
        Source source = new Source(true);
        TypedCache<CacheRequest, String> t = register(source);
        t.get(req("k"));
        // The source moves on, but the entry has not heard yet.
        source.lagging = true;
        source.publish("v2", 2);

        CompletableFuture<Result<String>> read = t.getAsync(consistent("k", Duration.ofSeconds(10)));
        Thread.sleep(100);
        assertThat(read).isNotDone();
        source.lagging = false;
        source.release();

        Result<String> answer = read.get(5, TimeUnit.SECONDS);
        assertThat(answer.value()).isEqualTo("v2");
        assertThat(answer.meta().index()).isEqualTo(2);
        assertThat(answer.meta().consistent()).isTrue();
        assertThat(answer.meta().hit()).isFalse();
        assertThat(gets("consistent_wait")).isEqualTo(1);
    }

    @Test
    void anEntryThatDoesNotCatchUpInHalfTheTimeoutGivesWayToAFetchPastTheCache() throws Exception {
        Source source = new Source(true);
        TypedCache<CacheRequest, String> t = register(source);
        t.get(req("k"));
        source.lagging = true;
        source.publish("v2", 2);

        long start = System.nanoTime();
        Result<String> answer = t.get(consistent("k", Duration.ofMillis(600)));

        assertThat(answer.value()).isEqualTo("v2");
        assertThat(answer.meta().index()).isEqualTo(2);
        assertThat(answer.meta().consistent()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(gets("consistent_fallback")).isEqualTo(1);
        // The entry itself still lags: a plain read may be older, a consistent one never.
        assertThat(t.get(req("k")).value()).isEqualTo("v1");
    }

    @Test
    void aTypeWithoutTheHookAnswersEveryConsistentReadWithAFetchPastTheCache() throws Exception {
        Source source = new Source(false);
        TypedCache<CacheRequest, String> t = register(source);

        Result<String> first = t.get(consistent("k", Duration.ofSeconds(5)));
        source.publish("v2", 2);
        Result<String> second = t.get(consistent("k", Duration.ofSeconds(5)));

        assertThat(first.value()).isEqualTo("v1");
        assertThat(second.value()).isEqualTo("v2");
        assertThat(second.meta().consistent()).isTrue();
        assertThat(source.fetches.get()).isEqualTo(2);
        assertThat(source.asked.get()).isZero();
        assertThat(cache.snapshot().entries()).isEmpty();
        assertThat(gets("bypass")).isEqualTo(2);
    }

    @Test
    void aConsistentWatchDeliversFirstTheValueTheSourceHadWhenItStarted() throws Exception {
        Source source = new Source(true);
        TypedCache<CacheRequest, String> t = register(source);
        t.get(req("k"));
        source.lagging = true;
        source.publish("v2", 2);
        LinkedBlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();

        try (Subscription watch = t.watch(consistent("k", Duration.ofSeconds(10)), "w", events::add)) {
            UpdateEvent<String> early = events.poll(200, TimeUnit.MILLISECONDS);
            assertThat(early).as("no older value first").isNull();
            source.lagging = false;
            source.release();

            UpdateEvent<String> first = events.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.value()).isEqualTo("v2");
            assertThat(first.meta().consistent()).isTrue();
            source.publish("v3", 3);
            UpdateEvent<String> next = events.poll(5, TimeUnit.SECONDS);
            assertThat(next).isNotNull();
            assertThat(next.value()).isEqualTo("v3");
            assertThat(watch.isActive()).isTrue();
        }
    }

    @Test
    void aConsistentWatchOnATypeThatCannotTellIsRefused() {
        TypedCache<CacheRequest, String> t = register(new Source(false));

        assertThatThrownBy(() -> t.watch(consistent("k", Duration.ofSeconds(1)), "w", e -> { }))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("consistent");
    }

    @Test
    void aRegistrationWhoseReadsAreAllConsistentMakesEveryReadAndAWatchsFirstValueConsistent() throws Exception {
        Source source = new Source(true);
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> t = cache.register("t", source,
                RegisterOptions.blockingRefresh().toBuilder().consistentReads(true).build());
        t.get(req("k"));
        source.lagging = true;
        source.publish("v2", 2);

        CompletableFuture<Result<String>> read = t.getAsync(req("k"));
        LinkedBlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();
        try (Subscription watch = t.watch(req("k"), "w", events::add)) {
            Thread.sleep(100);
            assertThat(read).isNotDone();
            assertThat(events).isEmpty();
            source.lagging = false;
            source.release();

            assertThat(read.get(5, TimeUnit.SECONDS).value()).isEqualTo("v2");
            assertThat(read.get().meta().consistent()).isTrue();
            UpdateEvent<String> first = events.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.value()).isEqualTo("v2");
            assertThat(watch.isActive()).isTrue();
        }
        assertThat(gets("consistent_wait") + gets("consistent_hit")).isEqualTo(3);
    }

    @Test
    void anAsyncConsistentReadsCallbacksNeverRunOnTheSourceClientsThread() throws Exception {
        Source source = new Source(true);
        ExecutorService client = Executors.newSingleThreadExecutor(
                r -> new Thread(r, "source-client"));
        try {
            source.client = client;
            TypedCache<CacheRequest, String> t = register(source);
            t.get(req("k"));

            String thread = t.getAsync(consistent("k", Duration.ofSeconds(5)))
                    .thenApply(result -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);

            assertThat(thread).isNotEqualTo("source-client");
            assertThat(source.asked.get()).isEqualTo(1);
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void aConsistentReadShowsInTheRequestAndTheMeta() {
        RequestInfo info = RequestInfo.builder().key("k").consistent(true).build();
        assertThat(info.toBuilder().build().consistent()).isTrue();
        assertThat(info.withMinIndex(3).consistent()).isTrue();
        assertThat(info.toString()).contains("consistent=true");
        ResultMeta meta = new ResultMeta(true, Duration.ZERO, 4);
        assertThat(meta.consistent()).isFalse();
        assertThat(meta.asConsistent().consistent()).isTrue();
        assertThat(meta.asConsistent()).isNotEqualTo(meta);
        assertThat(meta.toString()).isEqualTo("ResultMeta[hit=true, age=PT0S, index=4]");
        assertThat(meta.asConsistent().toString()).endsWith(", consistent=true]");
    }
}
