package io.watchcache.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache's running watches, kept as a list through the watches themselves: whatever order
 * they end in, the rest are listed and counted, each end counts once, and close ends them all.
 */
class WatchesTest {

    /** A blocking source whose values never change after the first. */
    private static final AsyncCacheType<CacheRequest, String> QUIET = new AsyncCacheType<>() {
        @Override
        public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest request) {
            return options.minIndex() == 0 ? CompletableFuture.completedFuture(FetchResult.of("v", 1))
                    : new CompletableFuture<>();
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.blockingRefresh();
        }
    };

    @Test
    void watchesEndingInAnyOrderLeaveTheRestListedAndCountedEachEndOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        TypedCache<CacheRequest, String> type = cache.register("quiet", QUIET);
        List<Subscription> watches = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RequestInfo info = RequestInfo.of("k" + (i % 7));
            watches.add(type.watch(() -> info, "w" + i, event -> { }));
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        Set<String> running = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            running.add("w" + i);
        }
        // The first, the last and the middle of the list go, among others; each twice.
        for (int i : order.subList(0, 40)) {
            watches.get(i).cancel();
            watches.get(i).cancel();
            running.remove("w" + i);
            assertThat(listed(cache)).isEqualTo(running);
            assertThat(registry.get("watchcache.watches").gauge().value()).isEqualTo(running.size());
        }

        cache.close();
        assertThat(watches).noneMatch(Subscription::isActive);
        assertThat(cache.snapshot().watches()).isEmpty();
        assertThat(registry.get("watchcache.watches").gauge().value()).isZero();
    }

    private static Set<String> listed(WatchCache cache) {
        Set<String> listed = new TreeSet<>();
        for (CacheSnapshot.WatchView watch : cache.snapshot().watches()) {
            listed.add(watch.correlationId());
        }
        return listed;
    }
}
