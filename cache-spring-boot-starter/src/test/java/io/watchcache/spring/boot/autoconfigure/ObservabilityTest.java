package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
            // Micrometer's cache vocabulary, as dashboards for Spring's caches read it.
            assertThat(registry.get("cache.gets").tags("cache", "config", "cacheManager", "watchcache", "result", "hit")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("cache.gets").tags("cache", "config", "result", "miss").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("cache.puts").tag("cache", "config").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("cache.size").tag("cache", "config").gauge().value()).isEqualTo(1);
        });
    }

    @Test
    void theCacheVocabularyIsOneSwitch() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("watchcache.metrics.cache-meters=false").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() -> RequestInfo.of("k"));

            assertThat(registry.find("cache.gets").meters()).isEmpty();
            assertThat(registry.find("watchcache.gets").meters()).isNotEmpty();
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
    void healthIsUpUntilAWatchedEntryLosesContactForLongerThanTheThreshold() {
        FlakyType flaky = new FlakyType();
        new ApplicationContextRunner().withConfiguration(WatchCacheAutoConfigurationTest.ALL)
                .withBean("flaky", CacheType.class, () -> flaky)
                .withPropertyValues("watchcache.health.lost-contact-threshold=300ms",
                        "watchcache.backoff.max-wait=100ms", "watchcache.backoff.jitter=false",
                        "management.endpoint.watchcache.show-values=always")
                .run(context -> {
                    WatchCacheHealthIndicator health = context.getBean("watchcacheHealthIndicator",
                            WatchCacheHealthIndicator.class);
                    WatchCache cache = context.getBean(WatchCache.class);
                    cache.<CacheRequest, Object>type("flaky").watch(() -> RequestInfo.builder().key("k").token(TOKEN)
                            .build(), "w", e -> { });
                    await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().size() == 1
                            && cache.snapshot().entries().get(0).valid());
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                    flaky.broken.set(true);
                    await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.DOWN));
                    Health down = health.health();
                    assertThat(down.getDetails()).containsEntry("lostContact", 1);
                    assertThat(down.getDetails().toString()).contains("source unreachable").contains("key=k")
                            .doesNotContain(TOKEN);

                    flaky.broken.set(false);
                    await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
                });
    }

    /** Refuses a token at once (fatal), or throws for another key; answers anything else. */
    static final class RefusingType implements CacheType<CacheRequest, String> {

        @Override
        public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
            RequestInfo info = request.cacheInfo();
            if (info.token().equals("bad-token")) {
                throw new SecurityException("permission denied");
            }
            if (info.key().startsWith("broken")) {
                throw new IOException("no such thing as " + info.key());
            }
            if (options.minIndex() > 0) {
                Thread.sleep(50);
            }
            return FetchResult.of("v", 1);
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
        }

        @Override
        public boolean isFatal(Throwable error) {
            return error instanceof SecurityException;
        }
    }

    private final ApplicationContextRunner refusing = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withBean("refusing", CacheType.class, RefusingType::new)
            .withPropertyValues("watchcache.health.lost-contact-threshold=0s", "watchcache.backoff.max-wait=50ms",
                    "management.endpoints.web.exposure.include=watchcache");

    private static void failedRequests(WatchCache cache) {
        for (RequestInfo info : new RequestInfo[] {RequestInfo.builder().key("k").token("bad-token").build(),
                RequestInfo.of("broken-key")}) {
            assertThatThrownBy(() -> cache.<CacheRequest, Object>type("refusing").get(() -> info))
                    .isInstanceOf(FetchFailedException.class);
        }
    }

    @Test
    void oneRequestThatFailsFatallyOrNotLeavesHealthUpAndShowsInTheEndpoint() {
        refusing.run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            WatchCacheHealthIndicator health = context.getBean(WatchCacheHealthIndicator.class);
            failedRequests(cache);
            // The non-fatal one keeps retrying and has lost contact; the fatal one has failed.
            await().atMost(Duration.ofSeconds(5)).until(() -> cache.snapshot().entries().stream()
                    .anyMatch(e -> e.lostContact() != null));

            Health up = health.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("lostContact", 0).containsEntry("failed", 0)
                    .containsEntry("entries", 2);
            WatchCacheEndpoint.WatchCacheDescriptor endpoint = context.getBean(WatchCacheEndpoint.class).describe();
            assertThat(endpoint.entries()).anySatisfy(e -> {
                assertThat(e.failed()).isTrue();
                assertThat(e.lostContact()).isNull();
                assertThat(e.held()).isFalse();
            });
            assertThat(endpoint.entries()).anySatisfy(e -> {
                assertThat(e.failed()).isFalse();
                assertThat(e.lostContact()).isNotNull();
            });
        });
    }

    @Test
    void countAllEntriesMakesEveryFailedEntryCount() {
        refusing.withPropertyValues("watchcache.health.count-all-entries=true").run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            WatchCacheHealthIndicator health = context.getBean(WatchCacheHealthIndicator.class);
            failedRequests(cache);
            await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
            assertThat(health.health().getDetails()).containsEntry("failed", 1).containsEntry("lostContact", 1);
        });
    }

    @Test
    void aWatchedEntryThatIsRefusedIsReportedAsFailed() {
        refusing.run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            WatchCacheHealthIndicator health = context.getBean(WatchCacheHealthIndicator.class);
            cache.<CacheRequest, Object>type("refusing").watch(() -> RequestInfo.builder().key("k")
                    .token("bad-token").build(), "w", e -> { });
            await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
            Health down = health.health();
            assertThat(down.getDetails()).containsEntry("failed", 1).containsEntry("lostContact", 0);
            assertThat(down.getDetails()).containsKey("failedEntries");
        });
    }

    @Test
    void healthDetailsAreMaskedLikeTheEndpointUnlessShowValuesIsAlways() {
        RequestInfo watched = RequestInfo.builder().key("secret-path/k").token("bad-token").build();
        refusing.run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            cache.<CacheRequest, Object>type("refusing").watch(() -> watched, "w", e -> { });
            WatchCacheHealthIndicator health = context.getBean(WatchCacheHealthIndicator.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
            String details = health.health().getDetails().toString();
            assertThat(details).contains("key=" + WatchCacheEndpoint.MASK, "lastError=" + WatchCacheEndpoint.MASK)
                    .doesNotContain("secret-path", "permission denied", "bad-token");
            String endpoint = context.getBean(WatchCacheEndpoint.class).describe().toString();
            assertThat(endpoint).doesNotContain("secret-path", "permission denied");
        });
        refusing.withPropertyValues("management.endpoint.watchcache.show-values=always").run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            cache.<CacheRequest, Object>type("refusing").watch(() -> watched, "w", e -> { });
            WatchCacheHealthIndicator health = context.getBean(WatchCacheHealthIndicator.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> health.health().getStatus().equals(Status.DOWN));
            assertThat(health.health().getDetails().toString()).contains("secret-path/k", "permission denied")
                    .doesNotContain("bad-token");
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

    @Test
    void aResultServesAsJsonWithItsMetaAsTheRecordDid() {
        Result<String> result = new Result<>("v", ResultMeta.aging(true, 0, () -> 2_500_000_000L, 42));

        String json = new JsonMapper().writeValueAsString(result);

        assertThat(json).contains("\"value\":\"v\"").contains("\"hit\":true").contains("\"index\":42")
                .contains("\"age\":\"PT2.5S\"");
    }
}
