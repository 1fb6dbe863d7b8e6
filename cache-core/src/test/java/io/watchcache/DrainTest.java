package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.testing.Flavor;
import io.watchcache.testing.StoppedObservations;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Shutdown's first step ({@link WatchCache#drain()}), unknown type names, and fetch observations. */
class DrainTest {

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
    void drainAnswersParkedCallersWithTheCurrentValueAndLaterCallsAtOnce(Flavor flavor) throws Exception {
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(store.syncStringType()));
        long index = store.put("k", "v");
        assertThat(t.get(req("k")).value()).isEqualTo("v");
        CompletableFuture<Result<String>> parkedAsync = t.getAsync(blockingReq("k", index, Duration.ofMinutes(5)));
        CompletableFuture<Result<String>> parked = CompletableFuture.supplyAsync(() -> {
            try {
                return t.get(blockingReq("k", index, Duration.ofMinutes(5)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> TestSupport.waiters(cache, "k") == 2);
        assertThat(parked).isNotDone();
        assertThat(parkedAsync).isNotDone();

        int released = cache.drain();

        // drain() returns once the answers have landed, the async caller's included.
        assertThat(parkedAsync).isDone();
        assertThat(released).isBetween(1, 2);
        Result<String> answered = parked.get(2, TimeUnit.SECONDS);
        assertThat(answered.value()).isEqualTo("v");
        assertThat(answered.meta().index()).isEqualTo(index);
        assertThat(parkedAsync.get(2, TimeUnit.SECONDS).value()).isEqualTo("v");
        assertThat(cache.isDraining()).isTrue();
        // A call that would wait is answered at once from now on, and nothing is closed.
        long start = System.nanoTime();
        assertThat(t.get(blockingReq("k", index, Duration.ofMinutes(5))).value()).isEqualTo("v");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(cache.isClosed()).isFalse();
    }

    @Test
    void watchesAndLiveValuesGoOnAfterDrain() throws Exception {
        cache = WatchCache.create();
        TypedCache<CacheRequest, String> t = cache.register("t", store.stringType());
        store.put("k", "a");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Subscription watch = t.watch(req("k"), "w", e -> seen.add(e.value()));
             LiveValue<String> live = t.live(req("k"))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("a"));
            assertThat(live.get()).isEqualTo("a");

            cache.drain();
            store.put("k", "b");

            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("b") && "b".equals(live.get()));
            assertThat(watch.isActive()).isTrue();
        }
    }

    @Test
    void anUnknownTypeNameIsItsOwnExceptionListingTheRegisteredNames() {
        cache = WatchCache.create();
        cache.register("flags", store.stringType());
        cache.register("services", store.stringType());

        assertThatThrownBy(() -> cache.type("flgs"))
                .isInstanceOf(UnknownTypeException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown cache type 'flgs'; registered: [flags, services]")
                .satisfies(e -> {
                    UnknownTypeException unknown = (UnknownTypeException) e;
                    assertThat(unknown.name()).isEqualTo("flgs");
                    assertThat(unknown.registered()).containsExactly("flags", "services");
                });
    }

    @Test
    void eachFetchIsObservedWithTypeAndOutcomeAndNoKey() throws Exception {
        StoppedObservations stopped = new StoppedObservations();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(stopped);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        cache = new WatchCache(CacheOptions.builder().meterRegistry(meters).observationRegistry(observations).build());
        TypedCache<CacheRequest, String> t = cache.register("secrets", store.stringType());
        store.put("db/password", "hunter2");

        assertThat(t.get(req("db/password")).value()).isEqualTo("hunter2");

        await().atMost(Duration.ofSeconds(5)).until(() -> !stopped.all().isEmpty());
        Observation.Context context = stopped.all().get(0);
        assertThat(context.getName()).isEqualTo("watchcache.fetch");
        assertThat(context.getLowCardinalityKeyValue("type").getValue()).isEqualTo("secrets");
        assertThat(context.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
        assertThat(context.getAllKeyValues().stream().map(kv -> kv.getValue()))
                .noneMatch(v -> v.contains("password") || v.contains("hunter2"));
        // The observation stands for the fetch timer: the cache registers none of its own.
        assertThat(meters.find("watchcache.fetch").timers()).isEmpty();
        assertThat(meters.find("watchcache.gets").counters()).isNotEmpty();
    }
}
