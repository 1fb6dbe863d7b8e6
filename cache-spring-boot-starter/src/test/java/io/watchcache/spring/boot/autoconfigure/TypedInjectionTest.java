package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.LiveValue;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheUpdateEvent;
import io.watchcache.spring.boot.CacheWatch;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code TypedCache<R, V>} beans for every {@code CacheType<R, V>} bean, and what is declared from them. */
class TypedInjectionTest {

    static final VersionedStore STORE = new VersionedStore();

    static {
        STORE.put("flags", "dark-mode,new-ui");
        STORE.put("limit", "42");
        STORE.put("watched-limit", "42");
    }

    @AfterAll
    static void closeStore() {
        STORE.close();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL);

    /** A request type of the application's own: the typed handle takes it, no cast. */
    record FlagQuery(String key) implements CacheRequest {
        @Override
        public RequestInfo cacheInfo() {
            return RequestInfo.of(key);
        }
    }

    record Flags(List<String> enabled) {
    }

    @Configuration(proxyBeanMethods = false)
    static class Types {
        @Bean
        CacheType<FlagQuery, Flags> flags() {
            CacheType<CacheRequest, Flags> type = STORE.syncType(RegisterOptions.blockingRefresh(),
                    v -> v.value() == null ? null : new Flags(List.of(v.value().toString().split(","))));
            return new CacheType<>() {
                @Override
                public FetchResult<Flags> fetch(FetchOptions<Flags> options, FlagQuery request) throws Exception {
                    return type.fetch(options, request);
                }

                @Override
                public RegisterOptions registerOptions() {
                    return type.registerOptions();
                }
            };
        }

        @Bean
        CacheType<CacheRequest, Integer> limit() {
            return STORE.syncType(RegisterOptions.blockingRefresh(),
                    v -> v.value() == null ? null : Integer.valueOf(v.value().toString()));
        }
    }

    /** Injection by generics, and by qualifier where the generics alone would do too. */
    static class FlagService {
        final TypedCache<FlagQuery, Flags> flags;
        final TypedCache<CacheRequest, Integer> limit;

        FlagService(TypedCache<FlagQuery, Flags> flags, @Qualifier("limit") TypedCache<CacheRequest, Integer> limit) {
            this.flags = flags;
            this.limit = limit;
        }
    }

    @Test
    void aTypedCacheBeanPerCacheTypeInjectableByItsGenericsAndByItsName() {
        runner.withUserConfiguration(Types.class).withBean(FlagService.class).run(context -> {
            assertThat(context).hasNotFailed();
            FlagService service = context.getBean(FlagService.class);
            WatchCache cache = context.getBean(WatchCache.class);

            assertThat(service.flags).isSameAs(cache.type("flags"));
            assertThat(service.limit).isSameAs(cache.type("limit"));
            Flags flags = service.flags.get(new FlagQuery("flags")).value();
            assertThat(flags.enabled()).containsExactly("dark-mode", "new-ui");
            int limit = service.limit.get(() -> RequestInfo.of("limit")).value();
            assertThat(limit).isEqualTo(42);
            assertThat(context.getBeanNamesForType(TypedCache.class)).containsExactlyInAnyOrder("flagsTypedCache",
                    "limitTypedCache");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Declared {
        @Bean
        LiveValue<Flags> liveFlags(TypedCache<FlagQuery, Flags> flags) {
            return flags.live(new FlagQuery("flags"));
        }

        @Bean
        CacheWatch limitWatch(TypedCache<CacheRequest, Integer> limit) {
            return CacheWatch.of(limit, () -> RequestInfo.of("watched-limit"), "limit");
        }

        @Bean
        Limits limits() {
            return new Limits();
        }
    }

    static class Limits {
        final List<Integer> seen = new CopyOnWriteArrayList<>();

        @EventListener
        void on(CacheUpdateEvent<Integer> event) {
            seen.add(event.value());
        }
    }

    @Test
    void liveValuesAndWatchesAreDeclaredFromTheTypedCacheWithoutNamesAndEndWithTheContext() {
        LiveValue<?>[] live = new LiveValue<?>[1];
        WatchCache[] cache = new WatchCache[1];
        runner.withUserConfiguration(Types.class, Declared.class).run(context -> {
            assertThat(context).hasNotFailed();
            cache[0] = context.getBean(WatchCache.class);
            @SuppressWarnings("unchecked")
            LiveValue<Flags> flags = context.getBean(LiveValue.class);
            live[0] = flags;
            assertThat(flags.get().enabled()).contains("new-ui");
            Limits limits = context.getBean(Limits.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> limits.seen.contains(42));

            STORE.put("watched-limit", "43");
            await().atMost(Duration.ofSeconds(5)).until(() -> limits.seen.contains(43));
        });
        assertThat(live[0].isLive()).isFalse();
        assertThat(cache[0].isClosed()).isTrue();
    }

    @Test
    void aWatchOnAnUnknownTypeIsAFailureAnalysisNamingTheRegisteredTypes() {
        runner.withUserConfiguration(Types.class)
                .withBean("typo", CacheWatch.class, () -> CacheWatch.of("flgs", () -> RequestInfo.of("flags"), "x"))
                .run(context -> assertUnknownType(context.getStartupFailure()));
    }

    @Test
    void aLiveValueOnAnUnknownTypeIsTheSameAnalysis() {
        runner.withUserConfiguration(Types.class, TypoLive.class)
                .run(context -> assertUnknownType(context.getStartupFailure()));
    }

    @Configuration(proxyBeanMethods = false)
    static class TypoLive {
        @Bean
        LiveValue<String> typo(WatchCache cache) {
            return cache.<CacheRequest, String>type("flgs").live(() -> RequestInfo.of("flags"));
        }
    }

    /** A second type with the generics of {@code limit}: injecting by generics alone is ambiguous. */
    @Configuration(proxyBeanMethods = false)
    static class SameGenerics {
        @Bean
        CacheType<CacheRequest, Integer> quota() {
            return STORE.syncType(RegisterOptions.blockingRefresh(),
                    v -> v.value() == null ? null : Integer.valueOf(v.value().toString()));
        }

        @Bean
        String needsOne(TypedCache<CacheRequest, Integer> numbers) {
            return numbers.name();
        }
    }

    /** As a new user guessed an etcd type's generics: the request type of the request class. */
    @Configuration(proxyBeanMethods = false)
    static class WrongGenerics {
        @Bean
        String needsLimits(TypedCache<FlagQuery, Integer> limits) {
            return limits.name();
        }
    }

    @Test
    void anInjectionPointWhoseGenericsNoTypeHasIsAnAnalysisNamingItTheTypesAndTheClosest() {
        AtomicReference<ConfigurableListableBeanFactory> beans = new AtomicReference<>();
        runner.withUserConfiguration(Types.class, WrongGenerics.class)
                .withInitializer(context -> beans.set(context.getBeanFactory())).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = StrictConfigurationTest.analyze(context.getStartupFailure(), beans.get());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription())
                    .startsWith("Parameter 0 of method needsLimits in ")
                    .contains("required a TypedCache<FlagQuery, Integer>, but no registered cache type has these"
                            + " generics")
                    .contains("'limit': TypedCache<CacheRequest, Integer>")
                    .contains("'flags': TypedCache<FlagQuery, Flags>");
            assertThat(analysis.getAction()).startsWith("Inject TypedCache<CacheRequest, Integer>, the generics of"
                    + " the CacheType bean 'limit' (the closest match)");
        });
    }

    @Test
    void twoTypesWithTheSameGenericsAreAnAnalysisSuggestingAQualifierWithBothNames() {
        runner.withUserConfiguration(Types.class, SameGenerics.class).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = StrictConfigurationTest.analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("Parameter 0 of method needsOne in ")
                    .endsWith(" (io.watchcache.TypedCache<io.watchcache.CacheRequest, java.lang.Integer>) matches 2"
                    + " cache types with the same generics: 'limit', 'quota'.");
            assertThat(analysis.getAction()).isEqualTo("Say which one: annotate the injection point with"
                    + " @Qualifier(\"limit\") or @Qualifier(\"quota\") (a cache type's bean name is its qualifier),"
                    + " or mark one of the CacheType beans @Primary.");
        });
    }

    @Test
    void aWatchOnANonBlockingTypeWithoutMaxAgeIsAnAnalysisNamingTheBeanAndTheFix() {
        runner.withUserConfiguration(Types.class)
                .withBean("polled", CacheType.class, () -> STORE.syncType(RegisterOptions.builder().build(),
                        VersionedStore.Versioned::value))
                .withBean("motdWatch", CacheWatch.class, () -> CacheWatch.of("polled", () -> RequestInfo.of("limit"),
                        "motd"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = StrictConfigurationTest.analyze(context.getStartupFailure());
                    assertThat(analysis).as("analysis of %s", context.getStartupFailure().getCause()).isNotNull();
                    assertThat(analysis.getDescription()).isEqualTo("The CacheWatch bean 'motdWatch' (type 'polled',"
                            + " correlation id 'motd') cannot start: its request's maxAge must be set to watch cache"
                            + " type 'polled': the type does not support blocking queries, so the watch polls every"
                            + " maxAge.");
                    assertThat(analysis.getAction()).startsWith("Give the request of bean 'motdWatch' a maxAge");
                    assertThat(analysis.getAction()).contains("RegisterOptions.blockingRefresh()");
                });
    }

    private static void assertUnknownType(Throwable failure) {
        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new UnknownCacheTypeFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("No cache type is registered under the name 'flgs'."
                + " Registered types (the names of the CacheType beans): [flags, limit].");
        assertThat(analysis.getAction()).isEqualTo("Declare a CacheType bean named 'flgs', or use one of the"
                + " registered names; better, inject the TypedCache<R, V> of the type and declare the watch with"
                + " CacheWatch.of(typedCache, request, correlationId), which needs no name.");
    }
}
