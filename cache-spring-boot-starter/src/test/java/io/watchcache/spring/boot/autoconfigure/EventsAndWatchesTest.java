package io.watchcache.spring.boot.autoconfigure;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.slf4j.LoggerFactory;
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

        // First: Spring's multicaster would stop delivering an event to further listeners here.
        @EventListener
        @Order(Ordered.HIGHEST_PRECEDENCE)
        void failing(CacheUpdateEvent<Integer> event) {
            throw new IllegalStateException("a listener bug");
        }
    }

    /** A thrower and an unrelated bean's listener of every update, with a meter registry. */
    @Configuration(proxyBeanMethods = false)
    static class Isolation {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<String> order = new CopyOnWriteArrayList<>();

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        CacheType<CacheRequest, String> motd() {
            return ISOLATION_STORE.syncType(RegisterOptions.blockingRefresh(), v -> (String) v.value());
        }

        @Bean
        CacheWatch motdWatch() {
            return CacheWatch.of("motd", () -> RequestInfo.of("motd"), "motd");
        }

        @EventListener
        @Order(1)
        void thrower(CacheUpdateEvent<String> event) {
            order.add("thrower");
            throw new IllegalStateException("a listener bug");
        }

        @EventListener
        @Order(2)
        void other(CacheUpdateEvent<?> event) {
            order.add("other");
            seen.add(String.valueOf(event.value()));
        }
    }

    static final VersionedStore ISOLATION_STORE = new VersionedStore();

    @Test
    void aThrowingListenerDoesNotStopTheOthersAndIsLoggedOnceAndCounted() {
        Logger logger = (Logger) LoggerFactory.getLogger(CacheUpdateListenerFactory.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        ISOLATION_STORE.put("motd", "hello");
        runner.withUserConfiguration(Isolation.class).run(context -> {
            Isolation app = context.getBean(Isolation.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.seen.size() == 1);
            ISOLATION_STORE.put("motd", "again");
            ISOLATION_STORE.put("motd", "and again");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.seen.contains("and again"));

            // Every update reached the second listener, after the thrower: @Order still holds.
            assertThat(app.seen).first().isEqualTo("hello");
            assertThat(app.order).startsWith("thrower", "other");
            int failures = (int) app.order.stream().filter("thrower"::equals).count();
            assertThat(failures).isEqualTo(app.seen.size());
            assertThat(context.getBean(SimpleMeterRegistry.class).get("watchcache.listener.failures")
                    .tag("listener", "Isolation.thrower").counter().count()).isEqualTo(failures);
            // Logged once for this listener and watch, however often it failed.
            assertThat(logs.list).filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.INFO))
                    .singleElement().satisfies(line -> {
                assertThat(line.getLevel()).isEqualTo(Level.ERROR);
                assertThat(line.getFormattedMessage()).startsWith(
                        "Listener Isolation.thrower failed on an event of watch 'motd'; the other listeners got it");
                assertThat(line.getThrowableProxy().getMessage()).isEqualTo("a listener bug");
            });
        });
        logger.detachAppender(logs);
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
