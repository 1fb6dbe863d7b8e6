package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheOptionsCustomizer;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import io.watchcache.spring.boot.health.WatchCacheHealthIndicator;
import io.watchcache.spring.boot.metrics.WatchCacheMeterBinder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ObservabilityTest {

    private static final String TOKEN = "tok-3f9a-very-secret";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withBean("config", CacheType.class, () -> (CacheType<CacheRequest, String>) (o, r) -> FetchResult.of("v",
                    2));

    @Test
    void metersAreRegisteredWithTheApplicationsRegistryAndMove() {
        // Boot's metrics auto-configuration binds the cache's MeterBinder to the application's registry.
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(context).hasSingleBean(WatchCacheMeterBinder.class);
            WatchCache cache = context.getBean(WatchCache.class);
            CacheRequest request = () -> RequestInfo.builder().key("k").token(TOKEN).build();
            cache.<CacheRequest, Object>type("config").get(request);
            cache.<CacheRequest, Object>type("config").get(request);

            assertThat(registry.get("watchcache.gets").tags("type", "config", "result", "hit").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("watchcache.gets").tags("type", "config", "result", "miss").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("watchcache.fetch").tags("type", "config", "outcome", "success").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get("watchcache.entries").tag("type", "config").gauge().value()).isEqualTo(1);
            assertThat(registry.find("watchcache.watches").gauge()).isNotNull();
            assertThat(registry.find("watchcache.lost.contact").gauge()).isNotNull();
            assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().toString()).doesNotContain(TOKEN));
        });
    }

    @Test
    void noRegistryNoMetricsCustomizerAndTheCacheStillWorks() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(CacheOptionsCustomizer.class).hasSingleBean(WatchCache.class);
            assertThat(context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() ->
                    RequestInfo.of("k")).value())
                    .isEqualTo("v");
        });
    }

    @Test
    void worksWithoutActuatorOrBootMetricsOnTheClasspath() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
                        "org.springframework.boot.health", "org.springframework.boot.micrometer"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(WatchCache.class)
                            .doesNotHaveBean(WatchCacheEndpoint.class)
                            .doesNotHaveBean(WatchCacheHealthIndicator.class);
                    assertThat(context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() ->
                            RequestInfo.of("k")).value())
                            .isEqualTo("v");
                });
    }

    @Test
    void endpointListsTypesEntriesAndWatchesWithoutTokensAndEvictsById() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=watchcache").run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            cache.<CacheRequest, Object>type("config").get(() -> RequestInfo.builder().key("k").partition("dc1")
                    .token(TOKEN).build());
            WatchCacheEndpoint endpoint = context.getBean(WatchCacheEndpoint.class);

            WatchCacheEndpoint.WatchCacheDescriptor descriptor = endpoint.describe();

            assertThat(descriptor.types()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("config");
                assertThat(t.queryTimeout()).isEqualTo("PT10M");
                assertThat(t.lastGetTtl()).isEqualTo("PT72H");
            });
            // Keys and partitions may name secrets: hidden unless show-values allows them, as in Boot.
            assertThat(descriptor.entries()).singleElement().satisfies(e -> {
                assertThat(e.key()).isEqualTo("******");
                assertThat(e.partition()).isEqualTo("******");
                assertThat(e.index()).isEqualTo(2);
            });
            String json = new JsonMapper().writeValueAsString(descriptor);
            assertThat(json).doesNotContain("\"key\":\"k\"").doesNotContain(TOKEN);

            String id = descriptor.entries().get(0).id();
            assertThat(endpoint.evict(id).evicted()).isTrue();
            assertThat(endpoint.evict(id).evicted()).isFalse();
            assertThat(endpoint.describe().entries()).isEmpty();
        });
    }

    @Test
    void endpointIsAbsentWhenNotExposedOrWithoutActuator() {
        runner.run(context -> assertThat(context).doesNotHaveBean(WatchCacheEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=watchcache")
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .run(context -> assertThat(context).doesNotHaveBean(WatchCacheEndpoint.class));
        ApplicationContextRunner withActuator = runner.withConfiguration(
                        AutoConfigurations.of(EndpointAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=watchcache");
        withActuator.run(context -> assertThat(context).hasSingleBean(WatchCacheEndpoint.class));
        // Upper case: the bare runner lacks the lenient enum conversion a SpringApplication has.
        withActuator.withPropertyValues("management.endpoint.watchcache.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(WatchCacheEndpoint.class));
    }

    /** A refreshing blocking type the test can break and mend. */
    static final class FlakyType implements CacheType<CacheRequest, String> {
        final AtomicBoolean broken = new AtomicBoolean();

        @Override
        public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
            if (options.minIndex() > 0) {
                Thread.sleep(50);
            }
            if (broken.get()) {
                throw new IOException("source unreachable");
            }
            return FetchResult.of("v", 1);
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
        }
    }

    @Test
    void healthIsUpUntilEntriesLoseContactForLongerThanTheThreshold() {
        FlakyType flaky = new FlakyType();
        new ApplicationContextRunner().withConfiguration(WatchCacheAutoConfigurationTest.ALL)
                .withBean("flaky", CacheType.class, () -> flaky)
                .withPropertyValues("watchcache.health.lost-contact-threshold=300ms",
                        "watchcache.backoff.max-wait=100ms", "watchcache.backoff.jitter=false")
                .run(context -> {
                    WatchCacheHealthIndicator health = context.getBean("watchcacheHealthIndicator",
                            WatchCacheHealthIndicator.class);
                    WatchCache cache = context.getBean(WatchCache.class);
                    cache.<CacheRequest, Object>type("flaky").get(() -> RequestInfo.builder().key("k").token(TOKEN)
                            .build());
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                    flaky.broken.set(true);
                    await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.DOWN));
                    Health down = health.health();
                    assertThat(down.getDetails()).containsEntry("lostContact", 1);
                    assertThat(down.getDetails().toString()).contains("source unreachable").doesNotContain(TOKEN);

                    flaky.broken.set(false);
                    await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
                });
    }

    @Test
    void healthStatusIsConfigurableAndTheIndicatorCanBeDisabled() {
        runner.withPropertyValues("management.health.watchcache.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(WatchCacheHealthIndicator.class));
        // A status of the application's own is accepted once it is declared, as Boot needs for ordering.
        runner.withPropertyValues("watchcache.health.lost-contact-status=degraded",
                        "management.endpoint.health.status.order=DOWN,DEGRADED,UP")
                .run(context -> assertThat(context).hasSingleBean(WatchCacheHealthIndicator.class));
    }
}
