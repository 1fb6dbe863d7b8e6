package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.mock.env.MockEnvironment;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every configuration mistake fails startup with an analysis that names the property, the value
 * as written, where it was written, and what would be valid. One mistake is Boot's own
 * {@link InvalidConfigurationPropertyValueException}; several are listed together.
 */
class StrictConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withBean("config", CacheType.class, () -> (CacheType<CacheRequest, String>) (o, r) -> FetchResult.of("v",
                    2));

    @Test
    void oneInvalidValueIsBootsOwnExceptionWithTheValueAsWritten() {
        assertSingle("watchcache.backoff.max-wait=-5s", "watchcache.backoff.max-wait", "-5s", "must be positive");
        assertSingle("watchcache.default-query-timeout=-5s", "watchcache.default-query-timeout", "-5s",
                "must be positive");
        assertSingle("watchcache.entry-fetch-max-burst=0", "watchcache.entry-fetch-max-burst", "0",
                "must be at least 1");
        assertSingle("watchcache.entry-fetch-rate=-3", "watchcache.entry-fetch-rate", "-3",
                "must be a positive number of fetches per second");
        assertSingle("watchcache.backoff.free-failures=-1", "watchcache.backoff.free-failures", "-1",
                "must not be negative");
        assertSingle("watchcache.max-entries=0", "watchcache.max-entries", "0", "must be at least 1");
        assertSingle("watchcache.health.lost-contact-threshold=-1m", "watchcache.health.lost-contact-threshold",
                "-1m", "must not be negative");
        assertSingle("watchcache.readiness.timeout=0s", "watchcache.readiness.timeout", "0s", "must be positive");
        assertSingle("watchcache.types.config.query-timeout=-1s", "watchcache.types.config.query-timeout", "-1s",
                "must be positive");
    }

    /** Made as the first singleton of an application: the check must fail before any of them. */
    static final class FirstBean {
        static final AtomicBoolean MADE = new AtomicBoolean();

        FirstBean() {
            MADE.set(true);
        }
    }

    @Test
    void aTypoFailsStartupBeforeAnyBeanIsMadeSoBeforeTheWebServer() {
        FirstBean.MADE.set(false);
        runner.withBean(FirstBean.class).withPropertyValues("watchcache.max-entires=10").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("watchcache.max-entires");
            assertThat(FirstBean.MADE).isFalse();
        });
    }

    @Test
    void anUnknownKeyUnderATypeFailsAndListsTheValidKeys() {
        assertSingle("watchcache.types.config.query-timout=5s", "watchcache.types.config.query-timout", null,
                "unknown key; valid keys: refresh, refresh-timer, query-timeout, last-get-ttl, consistent-reads");
    }

    @Test
    void aTypoAnywhereUnderWatchcacheFailsAndSuggestsTheNearestKey() {
        assertSingle("watchcache.readiness.await-first-valu=false", "watchcache.readiness.await-first-valu", "false",
                "unknown key; did you mean 'watchcache.readiness.await-first-value'?");
        assertSingle("watchcache.max-entires=10", "watchcache.max-entires", "10",
                "unknown key; did you mean 'watchcache.max-entries'?");
        assertSingle("watchcache.backof.max-wait=5s", "watchcache.backof.max-wait", "5s",
                "unknown key; did you mean 'watchcache.backoff.max-wait'?");
        assertSingle("watchcache.backoff.max-wiat=5s", "watchcache.backoff.max-wiat", "5s",
                "unknown key; did you mean 'watchcache.backoff.max-wait'?");
        // Nothing near it: the valid keys at that level are listed instead.
        assertSingle("watchcache.backoff.colour=red", "watchcache.backoff.colour", "red",
                "unknown key; valid keys under watchcache.backoff: free-failures, jitter, max-wait");
        // Without cache-etcd on the class path, its keys bind to nothing either.
        assertSingle("watchcache.etcd.endpoints=http://127.0.0.1:2379", "watchcache.etcd.endpoints",
                "http://127.0.0.1:2379", "unknown key; no watchcache property is named like it"
                        + " (the README lists them all)");
    }

    @Test
    void environmentVariablesAndSystemPropertiesAreNotCheckedForUnknownKeysAsBootDoesNot() {
        // Shared with every program on the machine (CI sets WATCHCACHE_REQUIRE_ETCD for the tests):
        // Boot's own ignoreUnknownFields=false leaves them out too. Values there are still checked.
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("systemEnvironment",
                                Map.of("WATCHCACHE_REQUIRE_ETCD", "1", "WATCHCACHE_MAXENTIRES", "10"))))
                .run(context -> assertThat(context).hasNotFailed());
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("systemEnvironment",
                                Map.of("WATCHCACHE_MAXENTRIES", "0"))))
                .run(context -> assertRefused(context, "watchcache.max-entries", "must be at least 1"));
    }

    @Test
    void anApplicationsOwnCacheIsCheckedToo() {
        // The auto-configured cache is checked as it is built; one the application declares is
        // checked when its types are registered.
        runner.withBean("myCache", WatchCache.class, () -> new WatchCache(CacheOptions.defaults()))
                .withPropertyValues("watchcache.max-entires=10")
                .run(context -> assertRefused(context, "watchcache.max-entires",
                        "unknown key; did you mean 'watchcache.max-entries'?"));
    }

    @Test
    void everyPropertyTheStarterDeclaresIsAccepted() {
        runner.withPropertyValues("watchcache.enabled=true", "watchcache.entry-fetch-rate=5",
                        "watchcache.entry-fetch-max-burst=2", "watchcache.default-last-get-ttl=1h",
                        "watchcache.default-query-timeout=1m", "watchcache.max-entries=10",
                        "watchcache.backoff.free-failures=1", "watchcache.backoff.max-wait=5s",
                        "watchcache.backoff.jitter=false", "watchcache.health.lost-contact-threshold=1m",
                        "watchcache.health.lost-contact-status=DOWN", "watchcache.health.count-all-entries=true",
                        "watchcache.readiness.await-first-value=false", "watchcache.readiness.timeout=5s",
                        "watchcache.maxEntries=10", "watchcache.types.config.refresh=true")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void everyWayBootBindsAValidKeyIsAccepted() {
        runner.withPropertyValues("watchcache.types.config.queryTimeout=5s", "watchcache.types.config.last-get-ttl=1h")
                // As an environment variable sets it.
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("systemEnvironment",
                                Map.of("WATCHCACHE_TYPES_CONFIG_REFRESHTIMER", "2s"))))
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void anOverrideForATypeThatDoesNotExistFailsNamingTheTypes() {
        assertSingle("watchcache.types.nosuchtype.refresh=true", "watchcache.types.nosuchtype.refresh", "true",
                "there is no CacheType bean named 'nosuchtype'; CacheType beans: [config]");
    }

    @Test
    void anUnknownHealthStatusFailsListingTheKnownOnes() {
        assertSingle("watchcache.health.lost-contact-status=SIDEWAYS", "watchcache.health.lost-contact-status",
                "SIDEWAYS", "not a health status; known statuses: UP, DOWN, OUT_OF_SERVICE, UNKNOWN"
                        + " (declare others in management.endpoint.health.status.order)");
        runner.withPropertyValues("watchcache.health.lost-contact-status=out-of-service")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void everyMistakeInAFileIsReportedAtOnceWithItsFileAndLine() {
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.config.location=classpath:/strict/application.yml")
                .run(context -> {
                    assertThat(context).hasFailed();
                    InvalidWatchCacheConfigurationException cause = cause(context,
                            InvalidWatchCacheConfigurationException.class);
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    String file = "class path resource [strict/application.yml]";
                    assertThat(analysis.getDescription()).isEqualTo("""
                            5 watchcache properties are invalid:

                            \t- 'watchcache.entry-fetch-max-burst' = '0' (from %1$s - 4:26): must be at least 1
                            \t- 'watchcache.backoff.max-wait' = '-5s' (from %1$s - 3:15): must be positive
                            \t- 'watchcache.max-entires' = '10' (from %1$s - 10:16): unknown key; did you mean \
                            'watchcache.max-entries'?
                            \t- 'watchcache.types.config.query-timout' = '5s' (from %1$s - 7:21): unknown key; \
                            valid keys: refresh, refresh-timer, query-timeout, last-get-ttl, consistent-reads
                            \t- 'watchcache.health.lost-contact-status' = 'SIDEWAYS' (from %1$s - 9:26): not a health \
                            status; known statuses: UP, DOWN, OUT_OF_SERVICE, UNKNOWN (declare others in \
                            management.endpoint.health.status.order)""".formatted(file));
                    assertThat(analysis.getAction()).isEqualTo("Update these properties in your application's"
                            + " configuration (the watchcache README lists every property and its allowed values).");
                    assertThat(cause.properties()).hasSize(5);
                });
    }

    /** Startup failed on one property: Boot's own exception names it and says why. */
    private static InvalidConfigurationPropertyValueException assertRefused(AssertableApplicationContext context,
                                                                           String name, String reason) {
        assertThat(context).as(name).hasFailed();
        InvalidConfigurationPropertyValueException cause = cause(context,
                InvalidConfigurationPropertyValueException.class);
        assertThat(cause).as("cause of %s", name).isNotNull();
        assertThat(cause.getName()).isEqualTo(name);
        assertThat(cause.getReason()).isEqualTo(reason);
        return cause;
    }

    private void assertSingle(String property, String name, String written, String reason) {
        runner.withPropertyValues(property).run(context -> {
            InvalidConfigurationPropertyValueException cause = assertRefused(context, name, reason);
            if (written != null) {
                assertThat(cause.getValue()).isEqualTo(written);
            }
            // Boot's analyzer explains it; it finds the origin in the environment itself.
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).isEqualTo("Invalid value '" + cause.getValue()
                    + "' for configuration property '" + name + "'. Validation failed for the following reason:\n\n"
                    + reason);
        });
    }

    /** What Boot prints at startup: the first registered analyzer that explains the failure. */
    static FailureAnalysis analyze(Throwable failure) {
        return analyze(failure, new DefaultListableBeanFactory());
    }

    /** The analysis Boot would print, with the failed context's {@code beanFactory} (its definitions). */
    static FailureAnalysis analyze(Throwable failure, BeanFactory beanFactory) {
        SpringFactoriesLoader.ArgumentResolver arguments = SpringFactoriesLoader.ArgumentResolver
                .of(Environment.class, new MockEnvironment()).and(BeanFactory.class, beanFactory);
        for (FailureAnalyzer analyzer : SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class,
                arguments, SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { }))) {
            FailureAnalysis analysis = analyzer.analyze(failure);
            if (analysis != null) {
                return analysis;
            }
        }
        return null;
    }

    private static <T extends Throwable> T cause(AssertableApplicationContext context, Class<T> type) {
        Throwable t = context.getStartupFailure();
        while (t != null) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            t = t.getCause();
        }
        return null;
    }
}
