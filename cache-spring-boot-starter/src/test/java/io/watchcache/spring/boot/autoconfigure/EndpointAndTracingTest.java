package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.Subscription;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheEventPublisher;
import io.watchcache.spring.boot.CacheUpdateEvent;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpointWebExtension;
import io.watchcache.testing.StoppedObservations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;

import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The endpoint over HTTP (404, show-values), fetch observations, and the listener's captured context. */
class EndpointAndTracingTest {

    private static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();
    private static final String ACCESSOR_KEY = "watchcache.test.request-id";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withPropertyValues("management.endpoints.web.exposure.include=watchcache")
            .withBean("config", CacheType.class, () -> (CacheType<CacheRequest, String>) (o, r) -> FetchResult.of("v",
                    2));

    @BeforeAll
    static void registerAccessor() {
        // What Boot's tracing does for the trace context and Slf4jThreadLocalAccessor for the MDC.
        ContextRegistry.getInstance().registerThreadLocalAccessor(new ThreadLocalAccessor<String>() {
            @Override
            public Object key() {
                return ACCESSOR_KEY;
            }

            @Override
            public String getValue() {
                return REQUEST_ID.get();
            }

            @Override
            public void setValue(String value) {
                REQUEST_ID.set(value);
            }

            @Override
            public void setValue() {
                REQUEST_ID.remove();
            }
        });
    }

    @AfterAll
    static void removeAccessor() {
        ContextRegistry.getInstance().removeThreadLocalAccessor(ACCESSOR_KEY);
    }

    @Test
    void deletingAnUnknownEntryIs404AndAKnownOneIs200() {
        runner.run(context -> {
            WatchCache cache = context.getBean(WatchCache.class);
            cache.<CacheRequest, Object>type("config").get(() -> RequestInfo.of("k"));
            WatchCacheEndpointWebExtension web = context.getBean(WatchCacheEndpointWebExtension.class);
            String id = cache.snapshot().entries().get(0).id();

            WebEndpointResponse<WatchCacheEndpoint.EvictionDescriptor> unknown = web.evict("no-such-id");
            assertThat(unknown.getStatus()).isEqualTo(404);
            assertThat(unknown.getBody().evicted()).isFalse();
            WebEndpointResponse<WatchCacheEndpoint.EvictionDescriptor> known = web.evict(id);
            assertThat(known.getStatus()).isEqualTo(200);
            assertThat(known.getBody().evicted()).isTrue();
            assertThat(web.evict(id).getStatus()).isEqualTo(404);
        });
    }

    @Test
    void keysAndErrorsAreShownOnlyAsShowValuesSays() {
        SecurityContext anonymous = SecurityContext.NONE;
        SecurityContext admin = new SecurityContext() {
            @Override
            public Principal getPrincipal() {
                return () -> "admin";
            }

            @Override
            public boolean isUserInRole(String role) {
                return role.equals("OPS");
            }
        };
        runner.withPropertyValues("management.endpoint.watchcache.show-values=when-authorized",
                "management.endpoint.watchcache.roles=OPS").run(context -> {
            context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() -> RequestInfo.of("db/url"));
            WatchCacheEndpointWebExtension web = context.getBean(WatchCacheEndpointWebExtension.class);

            assertThat(web.describe(anonymous).entries().get(0).key()).isEqualTo("******");
            assertThat(web.describe(admin).entries().get(0).key()).isEqualTo("db/url");
        });
        runner.withPropertyValues("management.endpoint.watchcache.show-values=always").run(context -> {
            context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() -> RequestInfo.of("db/url"));
            assertThat(context.getBean(WatchCacheEndpoint.class).describe().entries().get(0).key()).isEqualTo("db/url");
        });
    }

    @Test
    void eachFetchIsAnObservationWhenTheApplicationHasAnObservationRegistry() {
        StoppedObservations recorder = new StoppedObservations();
        runner.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
                .withBean(ObservationHandler.class, () -> recorder)
                .run(context -> {
                    assertThat(context).hasSingleBean(ObservationRegistry.class);
                    context.getBean(WatchCache.class).<CacheRequest, Object>type("config").get(() -> RequestInfo
                            .builder().key("secret/key").token("tok-1").build());
                    await().atMost(Duration.ofSeconds(5))
                            .until(() -> recorder.first("watchcache.fetch").isPresent());
                    Observation.Context fetch = recorder.first("watchcache.fetch").orElseThrow();
                    assertThat(fetch.getLowCardinalityKeyValue("type").getValue()).isEqualTo("config");
                    assertThat(fetch.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
                    assertThat(fetch.getAllKeyValues().toString()).doesNotContain("secret/key").doesNotContain("tok-1");
                });
    }

    @Test
    void listenersRunWithTheContextOfTheCodeThatStartedTheWatch() {
        List<String> seenIds = new CopyOnWriteArrayList<>();
        runner.withBean("listener", ApplicationListener.class,
                () -> (ApplicationListener<CacheUpdateEvent<?>>) event -> seenIds.add(String.valueOf(REQUEST_ID.get())))
                .run(context -> {
                    CacheEventPublisher publisher = context.getBean(CacheEventPublisher.class);
                    REQUEST_ID.set("req-42");
                    Subscription watch;
                    try {
                        watch = publisher.publish("config", () -> RequestInfo.builder().key("k")
                                .maxAge(Duration.ofMinutes(1)).build(), "traced");
                    } finally {
                        REQUEST_ID.remove();
                    }
                    await().atMost(Duration.ofSeconds(5)).until(() -> !seenIds.isEmpty());
                    watch.cancel();
                    // Delivered on a cache thread, with the starter's context restored around the listener.
                    assertThat(seenIds).first().isEqualTo("req-42");
                });
    }
}
