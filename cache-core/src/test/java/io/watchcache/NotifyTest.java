package io.watchcache;

import io.watchcache.testing.Flavor;
import io.watchcache.testing.ManualTime;
import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.TrackingExecutor;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class NotifyTest {

    private WatchCache cache = new WatchCache(TestSupport.fastBackoff().build());

    @AfterEach
    void close() {
        cache.close();
    }

    private static <V> UpdateEvent<V> next(BlockingQueue<UpdateEvent<V>> events) throws InterruptedException {
        UpdateEvent<V> event = events.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("an event within 5 s").isNotNull();
        return event;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void blockingWatchDeliversTheCurrentValueAtOnceThenEveryChange(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();

        kv.watch(req("k"), "web", events::add);
        UpdateEvent<String> first = next(events);
        store.put("k", "b");
        UpdateEvent<String> second = next(events);
        store.put("other", "x");
        store.put("k", "c");
        UpdateEvent<String> third = next(events);

        assertThat(first.correlationId()).isEqualTo("web");
        assertThat(List.of(first.value(), second.value(), third.value())).containsExactly("a", "b", "c");
        // Each event carries what this watch delivered before it.
        assertThat(first.previousValue()).isNull();
        assertThat(second.previousValue()).isEqualTo("a");
        assertThat(third.previousValue()).isEqualTo("b");
        assertThat(second.meta().index()).isGreaterThan(first.meta().index());
        assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void firstEventIsAHitWhenTheValueIsCached(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        kv.get(req("k"));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();

        kv.watch(req("k"), "c", events::add);

        assertThat(next(events).meta().hit()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anIndexThatGoesBackwardsIsDeliveredAndWatchingContinuesFromIt(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().answer("v100", 100);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();

        t.watch(req("k"), "c", events::add);

        assertThat(next(events).value()).isEqualTo("v100");
        type.answer("restored", 7);
        UpdateEvent<String> reset = next(events);
        assertThat(reset.value()).isEqualTo("restored");
        assertThat(reset.meta().index()).isEqualTo(7);
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 3);
        assertThat(type.calls.get(2).minIndex()).isEqualTo(7);
        type.answer("after", 8);
        assertThat(next(events).value()).isEqualTo("after");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aResetBetweenTwoReadsOfTheWatchIsStillDelivered(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v100", 100);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();
        t.watch(req("k"), "c", events::add);
        assertThat(next(events).meta().index()).isEqualTo(100);
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);

        // The source restarts at 7 and moves to 8 before the watch reads again.
        type.answer("restored", 7);
        UpdateEvent<String> reset = next(events);

        assertThat(reset.meta().index()).isEqualTo(7);
        assertThat(reset.value()).isEqualTo("restored");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void errorsAreDeliveredAsEventsAndBackOff(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 1);
        for (int i = 0; i < 6; i++) {
            type.fail(new IOException("down " + i));
        }
        type.answer("v2", 2);
        cache.close();
        cache = new WatchCache(TestSupport.fastBackoff().backoffBaseWait(Duration.ofMillis(150))
                .backoffMaxWait(Duration.ofSeconds(5)).backoffJitter(false).build());
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        List<UpdateEvent<String>> events = new CopyOnWriteArrayList<>();
        List<Long> times = new CopyOnWriteArrayList<>();

        t.watch(req("k"), "c", e -> {
            events.add(e);
            times.add(System.nanoTime());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 8);

        assertThat(events.get(0).error()).isNull();
        for (int i = 1; i <= 6; i++) {
            UpdateEvent<String> failure = events.get(i);
            assertThat(failure.error()).isInstanceOf(IOException.class).hasMessage("down " + (i - 1));
            assertThat(failure.value()).isEqualTo("v1");
        }
        assertThat(events.get(7).value()).isEqualTo("v2");
        assertThat(events.get(7).error()).isNull();
        // Failures 1-3 are free; after the 4th the watch waits 300 ms, after the 5th 600 ms.
        assertThat(Duration.ofNanos(times.get(5) - times.get(4))).isGreaterThanOrEqualTo(Duration.ofMillis(280));
        assertThat(Duration.ofNanos(times.get(6) - times.get(5))).isGreaterThanOrEqualTo(Duration.ofMillis(580));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void manyWatchersShareOneEntryAndOneFetchEachWithItsOwnCorrelationId(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        int watchers = 50;
        List<BlockingQueue<UpdateEvent<String>>> queues = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            BlockingQueue<UpdateEvent<String>> q = new LinkedBlockingQueue<>();
            queues.add(q);
            kv.watch(req("k"), "w" + i, q::add);
        }
        for (BlockingQueue<UpdateEvent<String>> q : queues) {
            next(q);
        }
        long fetchesBefore = store.calls.sum();

        store.put("k", "b");

        for (int i = 0; i < watchers; i++) {
            UpdateEvent<String> event = next(queues.get(i));
            assertThat(event.value()).isEqualTo("b");
            assertThat(event.correlationId()).isEqualTo("w" + i);
        }
        // One refresh answered the change and the next one is parked: two fetches at most, not fifty.
        assertThat(store.calls.sum() - fetchesBefore).isLessThanOrEqualTo(2);
        assertThat(cache.snapshot().entries()).hasSize(1);
        assertThat(cache.snapshot().watches()).hasSize(watchers);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSlowListenerDelaysOnlyItsOwnWatch(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<UpdateEvent<String>> fast = new LinkedBlockingQueue<>();
        kv.watch(req("k"), "slow", e -> {
            try {
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        kv.watch(req("k"), "fast", fast::add);
        next(fast);

        store.put("k", "b");
        store.put("k2", "x");
        UpdateEvent<String> event = next(fast);
        release.countDown();

        assertThat(event.value()).isEqualTo("b");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aListenerThatThrowsIsLoggedAndTheWatchGoesOn(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();

        kv.watch(req("k"), "thrower", e -> {
            seen.add(e.value());
            throw new IllegalStateException("listener bug");
        });
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
        store.put("k", "b");

        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("b");
        assertThat(CapturedLogs.all()).contains("Listener of watch 'thrower'").contains("listener bug");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void cancelStopsTheLoopAndIsIdempotent(Flavor flavor) throws Exception {
        VersionedStore store = new VersionedStore();
        store.put("k", "a");
        TypedCache<CacheRequest, String> kv = cache.register("kv", flavor.of(store.syncStringType()));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();
        Subscription subscription = kv.watch(req("k"), "c", events::add);
        next(events);

        subscription.cancel();
        subscription.cancel();
        store.put("k", "b");

        assertThat(subscription.isActive()).isFalse();
        assertThat(events.poll(500, TimeUnit.MILLISECONDS)).isNull();
        assertThat(cache.snapshot().watches()).isEmpty();
    }

    @Test
    void pollingWatchRequiresMaxAge() {
        TypedCache<CacheRequest, String> poll = cache.register("poll", ScriptedType.plain());

        assertThatThrownBy(() -> poll.watch(req("k"), "c", e -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void pollingWatchDeliversWhenTheValueOrIndexChanges(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().answer("a", 1).answer("a", 1).answer("b", 1).answer("b", 2);
        for (int i = 0; i < 50; i++) {
            type.answer("b", 2);
        }
        TypedCache<CacheRequest, String> poll = cache.register("poll", flavor.of(type));
        List<UpdateEvent<String>> events = new CopyOnWriteArrayList<>();

        poll.watch(req(RequestInfo.builder().key("k").maxAge(Duration.ofMillis(100)).build()), "c",
                events::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> type.fetches() >= 6);

        // a@1, then a@1 again (no event), b@1 (value changed), b@2 (index changed), then no change.
        assertThat(events).extracting(e -> e.value() + "@" + e.meta().index()).containsExactly("a@1", "b@1", "b@2");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void pollingWatchPollsEveryMaxAgePlusALittleJitter(Flavor flavor) throws Exception {
        ManualTime time = new ManualTime();
        TrackingExecutor executor = new TrackingExecutor();
        cache.close();
        cache = new WatchCache(time.options().executor(executor).build());
        ScriptedType type = ScriptedType.plain();
        for (int i = 0; i < 50; i++) {
            type.answer("v" + i, i + 1);
        }
        TypedCache<CacheRequest, String> poll = cache.register("poll", flavor.of(type));
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();

        Subscription subscription = poll.watch(
                req(RequestInfo.builder().key("k").maxAge(Duration.ofMillis(300)).build()), "c", events::add);
        for (int polls = 1; polls <= 5; polls++) {
            assertThat(next(events).value()).isEqualTo("v" + (polls - 1));
            // The next poll waits out what is left of maxAge (the value may be a little old: time moved
            // on while the fetch landed) plus a jitter below maxAge / 16 (18 ms); nothing runs before.
            await().atMost(Duration.ofSeconds(5)).until(() -> nextPoll(time) != null);
            assertThat(nextPoll(time)).isBetween(Duration.ofMillis(280), Duration.ofMillis(319));
            time.advance(Duration.ofMillis(279));
            assertThat(type.fetches()).isEqualTo(polls);
            time.advance(Duration.ofMillis(40));
            int expected = polls + 1;
            await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == expected);
        }
        subscription.cancel();
        assertThat(nextPoll(time)).isNull();
    }

    /** The delay of the watch's next poll: the one task due within 250..350 ms (the idle sweep waits a second). */
    private static Duration nextPoll(ManualTime time) {
        return time.pendingDelays().stream()
                .filter(d -> d.compareTo(Duration.ofMillis(250)) > 0 && d.compareTo(Duration.ofMillis(350)) < 0)
                .findFirst().orElse(null);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aPollingWatchKeepsItsEntryAliveBetweenPollsLongerThanTheTtl(Flavor flavor) throws Exception {
        ManualTime time = new ManualTime();
        TrackingExecutor executor = new TrackingExecutor();
        cache.close();
        cache = new WatchCache(time.options().executor(executor).build());
        ScriptedType type = ScriptedType.plain();
        for (int i = 0; i < 10; i++) {
            type.answer("v", 1);
        }
        // Polls every 2 s; an entry idle for 500 ms would expire.
        TypedCache<CacheRequest, String> poll = cache.register("poll", flavor.of(type),
                RegisterOptions.builder().lastGetTtl(Duration.ofMillis(500)).build());
        BlockingQueue<UpdateEvent<String>> events = new LinkedBlockingQueue<>();
        Subscription subscription = poll.watch(
                req(RequestInfo.builder().key("k").maxAge(Duration.ofSeconds(2)).build()), "c", events::add);
        next(events);
        String id = cache.snapshot().entries().get(0).id();
        // The next poll is scheduled (2 s plus a jitter below 125 ms) before time moves.
        await().atMost(Duration.ofSeconds(5)).until(() -> time.pendingDelays().stream()
                .anyMatch(d -> d.compareTo(Duration.ofMillis(1900)) >= 0 && d.compareTo(Duration.ofMillis(2200)) <= 0));

        for (int step = 0; step < 60; step++) {
            TestSupport.advanceSwept(time, executor, Duration.ofMillis(100), 0);
            assertThat(cache.snapshot().entries()).as("after %d ms", (step + 1) * 100)
                    .singleElement().satisfies(e -> assertThat(e.id()).isEqualTo(id));
        }
        // Polls went by (how many depends on how fast each hop lands while time jumps), all on the one entry.
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() >= 2);
        assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> assertThat(e.held()).isTrue());

        // Cancelled, it lets the entry go at its TTL (counted once a read on its way has let go).
        subscription.cancel();
        await().atMost(Duration.ofSeconds(5)).until(() -> TestSupport.waiters(cache, "k") == 0);
        TestSupport.advanceSwept(time, executor, Duration.ofMillis(500).plus(TestSupport.SWEEP_PERIOD), 0);
        assertThat(cache.snapshot().entries()).isEmpty();
        executor.close();
    }

    @Test
    void twoHundredCancelledWatchesLeaveNoThreadBehind() throws Exception {
        VersionedStore store = new VersionedStore();
        for (int i = 0; i < 200; i++) {
            store.put("k" + i, "v");
        }
        // An asynchronous type: a pending watch must hold no thread at all.
        AsyncCacheType<CacheRequest, String> async = new AsyncCacheType<>() {
            @Override
            public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> o,
                                                                                       CacheRequest r) {
                if (o.minIndex() == 0) {
                    return CompletableFuture.completedFuture(FetchResult.of("v", 1));
                }
                return new CompletableFuture<>(); // a change that never comes
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
            }
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
                100, TimeUnit.MILLISECONDS, new SynchronousQueue<>());
        cache.close();
        cache = new WatchCache(CacheOptions.builder().executor(pool).build());
        TypedCache<CacheRequest, String> asyncCache = cache.register("async", async);
        List<Subscription> subscriptions = new ArrayList<>();
        CountDownLatch delivered = new CountDownLatch(200);
        for (int i = 0; i < 200; i++) {
            subscriptions.add(asyncCache.watch(req("k" + i), "c" + i, e -> delivered.countDown()));
        }
        assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();

        // 200 watches wait for a change: not one of them may occupy a thread.
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 0);
        assertThat(cache.snapshot().watches()).hasSize(200);
        assertThat(cache.snapshot().entries()).allMatch(CacheSnapshot.EntryView::fetching);
        subscriptions.forEach(Subscription::cancel);

        assertThat(cache.snapshot().watches()).isEmpty();
        // Idle pool threads time out after 100 ms: nothing of the watches is left running.
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getPoolSize() == 0);
        pool.shutdown();
    }
}
