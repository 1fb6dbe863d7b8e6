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
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A held, always-fresh value: {@link TypedCache#live}. */
class LiveValueTest {

    private WatchCache cache;
    private final VersionedStore store = new VersionedStore();

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
        store.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void getBlocksForTheFirstValueThenFollowsEveryChange(Flavor flavor) throws Exception {
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(store.syncStringType()));
        store.put("k", "a");

        try (LiveValue<String> live = t.live(req("k"))) {
            assertThat(live.get()).isEqualTo("a");
            assertThat(live.isLive()).isTrue();
            long first = live.index();

            store.put("k", "b");
            await().atMost(Duration.ofSeconds(5)).until(() -> "b".equals(live.get()));
            assertThat(live.index()).isGreaterThan(first);
            assertThat(live.result().value()).isEqualTo("b");
            assertThat(live.result().meta().index()).isEqualTo(live.index());

            store.delete("k");
            await().atMost(Duration.ofSeconds(5)).until(() -> live.get() == null);
            assertThat(live.isLive()).isTrue();
        }
    }

    @Test
    void getWaitsUntilTheFirstValueExists() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking();
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        LiveValue<String> live = t.live(req("k"));
        TestSupport.OnThread<String> reader = TestSupport.onThread(live::get);

        await().atMost(Duration.ofSeconds(5)).until(reader::parked);
        assertThat(reader.result()).isNotDone();
        assertThat(live.index()).isZero();
        assertThat(live.isLive()).isFalse();
        type.answer("first", 3);

        assertThat(reader.result().get(5, TimeUnit.SECONDS)).isEqualTo("first");
        live.close();
    }

    @Test
    void aLiveValuesWatchIsNamedLiveValueAndItsNameWhenGivenOne() {
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", store.stringType());
        store.put("k", "a");
        try (LiveValue<String> named = t.live(req("k"), "darkMode"); LiveValue<String> unnamed = t.live(req("k"))) {
            assertThat(named.get()).isEqualTo(unnamed.get()).isEqualTo("a");
            assertThat(cache.snapshot().watches()).extracting(CacheSnapshot.WatchView::correlationId)
                    .containsExactlyInAnyOrder("live value darkMode", "live value");
        }
    }

    @Test
    void aFailureBeforeAnyValueIsThrownAndALaterSuccessFillsIt() throws Exception {
        ScriptedType type = ScriptedType.refreshingBlocking().fail(new IOException("source down"));
        cache = new WatchCache(TestSupport.fastBackoff().build());
        TypedCache<CacheRequest, String> t = cache.register("t", type);
        LiveValue<String> live = t.live(req("k"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(live::get)
                .isInstanceOf(FetchFailedException.class).hasRootCauseMessage("source down"));
        assertThat(live.isLive()).isFalse();
        type.answer("back", 2);

        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                return "back".equals(live.get());
            } catch (FetchFailedException stillFailing) {
                return false;
            }
        });
        assertThat(live.isLive()).isTrue();
        live.close();
    }

    @Test
    void anOpenLiveValueKeepsItsEntryAliveAndClosingReleasesItToItsTtl() throws Exception {
        ManualTime time = new ManualTime();
        TrackingExecutor executor = new TrackingExecutor();
        cache = new WatchCache(time.options().executor(executor).build());
        TypedCache<CacheRequest, String> t = cache.register("t", store.stringType(),
                RegisterOptions.builder().lastGetTtl(Duration.ofMillis(300)).build());
        store.put("k", "a");
        LiveValue<String> live = t.live(req("k"));
        assertThat(live.get()).isEqualTo("a");
        String id = cache.snapshot().entries().get(0).id();

        // Four TTLs go by, with every idle sweep that falls due: the live value holds the entry
        // (the same one).
        TestSupport.advanceSwept(time, executor, Duration.ofMillis(1200), 0);
        assertThat(cache.snapshot().entries()).singleElement().satisfies(e -> assertThat(e.id()).isEqualTo(id));
        assertThat(cache.snapshot().watches()).hasSize(1);

        live.close();
        live.close();

        assertThat(live.isLive()).isFalse();
        assertThat(live.get()).isEqualTo("a");
        assertThat(cache.snapshot().watches()).isEmpty();
        // The watch's last read may still be on its way (a step on the executor): time stands
        // still until it has let go, so that the TTL is counted from the release, as in real time.
        await().atMost(Duration.ofSeconds(5)).until(() -> TestSupport.waiters(cache, "k") == 0);
        TestSupport.advanceSwept(time, executor, Duration.ofMillis(299), 0);
        assertThat(cache.snapshot().entries()).hasSize(1);
        // Idle past its TTL: removed by the next idle sweep (one a second while there are entries).
        TestSupport.advanceSwept(time, executor, TestSupport.SWEEP_PERIOD.plusMillis(1), 0);
        assertThat(cache.snapshot().entries()).isEmpty();
        executor.close();
    }

    @Test
    void closedBeforeItsFirstValueGetThrowsInsteadOfWaitingForever() throws Exception {
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", ScriptedType.refreshingBlocking());
        LiveValue<String> live = t.live(req("k"));
        TestSupport.OnThread<Throwable> reader = TestSupport.onThread(() -> {
            try {
                live.get();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(reader::parked);

        live.close();

        assertThat(reader.result().get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed before its first value");
    }

    @Test
    void aPollingLiveValueNeedsMaxAgeAndPolls() throws Exception {
        ScriptedType type = ScriptedType.plain();
        for (int i = 1; i <= 20; i++) {
            type.answer("v" + i, i);
        }
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("poll", type);

        assertThatThrownBy(() -> t.live(req("k"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAge");
        try (LiveValue<String> live = t.live(req(RequestInfo.builder().key("k").maxAge(Duration.ofMillis(200))
                .build()))) {
            assertThat(live.get()).isEqualTo("v1");
            await().atMost(Duration.ofSeconds(5)).until(() -> !"v1".equals(live.get()));
        }
    }
}
