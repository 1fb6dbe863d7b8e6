package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Subscription;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheEventPublisher;
import io.watchcache.spring.boot.CacheUpdateEvent;
import io.watchcache.spring.boot.CacheWatch;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EventsAndWatchesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL);

    static final VersionedStore STORE = new VersionedStore();

    static {
        STORE.put("names", "a,b");
        STORE.put("count", "7");
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        CacheType<CacheRequest, List<String>> names() {
            return STORE.syncType(RegisterOptions.blockingRefresh(), v -> v.value() == null ? null
                    : List.of(v.value().toString().split(",")));
        }

        @Bean
        CacheType<CacheRequest, Integer> counts() {
            return STORE.syncType(RegisterOptions.blockingRefresh(), v -> v.value() == null ? null
                    : Integer.valueOf(v.value().toString()));
        }

        @Bean
        CacheWatch namesWatch() {
            return CacheWatch.of("names", () -> RequestInfo.of("names"), "web");
        }

        @Bean
        CacheWatch otherNamesWatch() {
            return CacheWatch.of("names", () -> RequestInfo.of("names"), "batch");
        }

        @Bean
        CacheWatch countWatch() {
            return CacheWatch.of("counts", () -> RequestInfo.of("count"), "count");
        }

        @Bean
        Listeners listeners() {
            return new Listeners();
        }
    }

    static class Listeners {
        final List<CacheUpdateEvent<List<String>>> names = new CopyOnWriteArrayList<>();
        final List<CacheUpdateEvent<Integer>> counts = new CopyOnWriteArrayList<>();
        final List<CacheUpdateEvent<List<String>>> web = new CopyOnWriteArrayList<>();
        final List<CacheUpdateEvent<?>> all = new CopyOnWriteArrayList<>();

        @EventListener
        void onNames(CacheUpdateEvent<List<String>> event) {
            names.add(event);
        }

        @EventListener
        @Order(0)
        void onCounts(CacheUpdateEvent<Integer> event) {
            counts.add(event);
        }

        // The form the README shows: the root object, not the parameter's name.
        @EventListener(condition = "event.correlationId == 'web'")
        void onWeb(CacheUpdateEvent<List<String>> event) {
            web.add(event);
        }

        @EventListener
        @Order(0)
        void onAny(CacheUpdateEvent<?> event) {
            all.add(event);
        }

        // Last: Spring stops delivering an event to further listeners when one throws.
        @EventListener
        @Order(Ordered.LOWEST_PRECEDENCE)
        void failing(CacheUpdateEvent<Integer> event) {
            throw new IllegalStateException("a listener bug");
        }
    }

    @Test
    void eventsReachOnlyListenersOfTheirValueTypeAndConditionsSelectByCorrelationId() {
        runner.withUserConfiguration(App.class).run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.names.size() == 2
                    && listeners.counts.size() == 1 && listeners.web.size() == 1);

            assertThat(listeners.names).extracting(CacheUpdateEvent::correlationId)
                    .containsExactlyInAnyOrder("web", "batch");
            assertThat(listeners.names.get(0).value()).containsExactly("a", "b");
            assertThat(listeners.counts.get(0).value()).isEqualTo(7);
            assertThat(listeners.web).singleElement().satisfies(e -> assertThat(e.correlationId()).isEqualTo("web"));
            assertThat(listeners.all).hasSize(3);

            // A throwing listener did not stop the count watch: the next change arrives too.
            STORE.put("count", "8");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.counts.size() == 2);
            assertThat(listeners.counts.get(1).value()).isEqualTo(8);
            assertThat(listeners.counts.get(1).meta().index()).isGreaterThan(listeners.counts.get(0).meta().index());
        });
    }

    @Test
    void watchBeansStartWithTheContextAndStopWithIt() {
        WatchCache[] cache = new WatchCache[1];
        runner.withUserConfiguration(App.class).run(context -> {
            cache[0] = context.getBean(WatchCache.class);
            CacheWatchLifecycle lifecycle = context.getBean(CacheWatchLifecycle.class);
            assertThat(lifecycle.isRunning()).isTrue();
            assertThat(lifecycle.activeWatches()).isEqualTo(3);
            assertThat(cache[0].snapshot().watches()).extracting(w -> w.correlationId())
                    .containsExactlyInAnyOrder("web", "batch", "count");

            lifecycle.stop();
            assertThat(cache[0].snapshot().watches()).isEmpty();
            lifecycle.start();
            assertThat(cache[0].snapshot().watches()).hasSize(3);
        });
        assertThat(cache[0].isClosed()).isTrue();
        assertThat(cache[0].snapshot().watches()).isEmpty();
    }

    @Test
    void programmaticWatchesPublishEventsToo() {
        runner.withUserConfiguration(App.class).run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            Subscription subscription = context.getBean(CacheEventPublisher.class)
                    .publish("counts", () -> RequestInfo.of("count"), "adhoc");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> listeners.counts.stream().anyMatch(e -> e.correlationId().equals("adhoc")));
            subscription.cancel();
            assertThat(subscription.isActive()).isFalse();
        });
    }

    @Test
    void twoHundredSimultaneousBlockingWatchesAllProgress() {
        VersionedStore store = new VersionedStore();
        List<String> seen = new CopyOnWriteArrayList<>();
        runner.withBean("kv", CacheType.class, () -> store.syncType(RegisterOptions.blockingRefresh(),
                VersionedStore.Versioned::value)).run(context -> {
            CacheEventPublisher publisher = context.getBean(CacheEventPublisher.class);
            context.addApplicationListener((CacheUpdateEvent<?> e) -> seen.add(e.correlationId() + "=" + e.value()));
            for (int i = 0; i < 200; i++) {
                String key = "k" + i;
                publisher.publish("kv", () -> RequestInfo.of(key), key);
            }
            // Every watch has its blocking query parked in the store, holding a thread each.
            await().atMost(Duration.ofSeconds(30)).until(() -> store.inFlight() >= 200);

            for (int i = 0; i < 200; i++) {
                store.put("k" + i, "changed");
            }

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> seen.stream().filter(s -> s.endsWith("=changed")).count() == 200);
        });
    }
}
