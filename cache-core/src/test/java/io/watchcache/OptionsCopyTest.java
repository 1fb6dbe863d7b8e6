package io.watchcache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code toBuilder()} keeps every setting: options built from a copy read exactly like the
 * original. Each test first checks that its original differs from the defaults in every setting,
 * so an option added later and left out of both the copy and this test still fails here.
 */
class OptionsCopyTest {

    @Test
    void cacheOptionsToBuilderKeepsEverySetting() throws Exception {
        Ticker ticker = () -> 42;
        Scheduler scheduler = (task, delay, unit) -> (Future<?>) null;
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(context -> true);
        CacheOptions all = CacheOptions.builder()
                .executor(Executors.newCachedThreadPool())
                .virtualThreads(false)
                .entryFetchRate(5)
                .entryFetchMaxBurst(7)
                .backoffFreeFailures(1)
                .backoffBaseWait(Duration.ofMillis(3))
                .backoffMaxWait(Duration.ofSeconds(9))
                .backoffJitter(false)
                .defaultLastGetTtl(Duration.ofMinutes(4))
                .defaultQueryTimeout(Duration.ofSeconds(11))
                .maxEntries(12)
                .meterRegistry(new SimpleMeterRegistry())
                .observationRegistry(observations)
                .cacheMeters(false)
                .ticker(ticker)
                .scheduler(scheduler)
                .build();
        CacheOptions defaults = CacheOptions.defaults();
        CacheOptions copy = all.toBuilder().build();
        List<Method> settings = settings();
        assertThat(settings).hasSize(16);
        for (Method setting : settings) {
            assertThat(setting.invoke(all)).as("%s is set apart from its default", setting.getName())
                    .isNotEqualTo(setting.invoke(defaults));
            assertThat(setting.invoke(copy)).as("%s survives toBuilder()", setting.getName())
                    .isEqualTo(setting.invoke(all));
        }
    }

    @Test
    void cacheOptionsToStringNamesEverySetting() {
        CacheOptions options = CacheOptions.builder().entryFetchRate(5).meterRegistry(new SimpleMeterRegistry())
                .build();
        String shown = options.toString();
        for (Method setting : settings()) {
            assertThat(shown).as("toString() shows %s", setting.getName()).contains(setting.getName() + "=");
        }
        assertThat(shown).contains("entryFetchRate=5.0", "executor=own", "scheduler=own", "observationRegistry=none",
                "meterRegistry=" + SimpleMeterRegistry.class.getName());
    }

    @Test
    void recordBuildersKeepEveryComponent() throws Exception {
        RequestInfo info = new RequestInfo("k", "dc2", "secret", 5, Duration.ofSeconds(1), Duration.ofSeconds(2),
                true, true);
        assertDiffersInEveryComponent(info, RequestInfo.builder().build());
        assertThat(info.toBuilder().build()).isEqualTo(info);

        RegisterOptions options = new RegisterOptions(true, true, Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(3), true);
        assertDiffersInEveryComponent(options, RegisterOptions.defaults());
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }

    private static void assertDiffersInEveryComponent(Record set, Record defaults) throws Exception {
        for (RecordComponent component : set.getClass().getRecordComponents()) {
            Method accessor = component.getAccessor();
            assertThat(accessor.invoke(set)).as("%s is set apart from its default", component.getName())
                    .isNotEqualTo(accessor.invoke(defaults));
        }
    }

    /** The settings {@link CacheOptions} reads back: its public no-argument instance accessors. */
    private static List<Method> settings() {
        List<Method> settings = new ArrayList<>();
        for (Method method : CacheOptions.class.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers())
                    && method.getParameterCount() == 0 && !method.getName().equals("toBuilder")
                    && !method.getName().equals("toString")) {
                settings.add(method);
            }
        }
        return settings;
    }
}
