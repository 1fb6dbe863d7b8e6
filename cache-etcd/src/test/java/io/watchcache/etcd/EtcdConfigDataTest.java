package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CapturedLogs;
import io.watchcache.WatchCache;
import io.watchcache.etcd.config.EtcdConfigChangedEvent;
import io.watchcache.etcd.config.EtcdConfigFailureAnalyzer;
import io.watchcache.etcd.config.EtcdConfigHealthIndicator;
import io.watchcache.spring.boot.availability.WatchCacheReadiness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.context.config.annotation.RefreshScope;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code spring.config.import=watchcache-etcd:<prefix>} against a real etcd: the import at
 * startup, live changes into the {@code Environment} and {@code @ConfigurationProperties} beans,
 * bad values, bad imports, and etcd down or restarted.
 */
@ExtendWith(EtcdExtension.class)
class EtcdConfigDataTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration LIVE = Duration.ofSeconds(1);

    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
    private EtcdCluster cluster;
    private Client client;
    private String prefix;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableConfigurationProperties(Greeting.class)
    static class App {
        final List<EtcdConfigChangedEvent> events = new CopyOnWriteArrayList<>();

        @EventListener
        void on(EtcdConfigChangedEvent event) {
            events.add(event);
        }

        /** The application's own rule, as it would write one for /actuator/env: events follow it too. */
        @Bean
        SanitizingFunction internalUrls() {
            return data -> data.getKey().startsWith("app.internal") ? data.withSanitizedValue() : data;
        }
    }

    /**
     * An application whose own bean uses the cache, as most do: the cache is then made before
     * the import's watcher and destroyed after it, so it outlives the watcher's etcd client.
     */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class CacheUsingApp {

        @Bean
        Object cacheUser(WatchCache cache) {
            return cache.typeNames();
        }
    }

    /** A bean in Spring Cloud's refresh scope, reading a property as {@code @Value} does (through its proxy). */
    static class Banner {
        private final String text;

        Banner(String text) {
            this.text = text;
        }

        String text() {
            return text;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class RefreshScopeApp {

        @Bean
        @RefreshScope
        Banner banner(@Value("${greeting.message:none}") String message) {
            return new Banner(message);
        }
    }

    @ConfigurationProperties("greeting")
    static class Greeting {
        private String message;

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }
    }

    @BeforeEach
    void connect(EtcdCluster cluster) throws Exception {
        this.cluster = cluster;
        cluster.ensureAllRunning();
        client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        prefix = "config/test" + PREFIXES.incrementAndGet() + "/";
    }

    @AfterEach
    void close() throws Exception {
        apps.forEach(ConfigurableApplicationContext::close);
        client.close();
        cluster.ensureAllRunning();
    }

    private ConfigurableApplicationContext start(String importLocation, String... more) {
        return start(App.class, importLocation, more);
    }

    private ConfigurableApplicationContext start(Class<?> application, String importLocation, String... more) {
        List<String> args = new ArrayList<>(List.of("--spring.config.import=" + importLocation,
                "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints()),
                "--management.health.etcdconfig.enabled=true",
                "--spring.cloud.compatibility-verifier.enabled=false"));
        args.addAll(List.of(more));
        ConfigurableApplicationContext app = new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
                .run(args.toArray(String[]::new));
        apps.add(app);
        return app;
    }

    private void put(String key, String value) throws Exception {
        client.getKVClient().put(bytes(prefix + key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    private void delete(String key) throws Exception {
        client.getKVClient().delete(bytes(prefix + key)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void aRefreshScopeBeanSeesAChangeWithoutACallToActuatorRefreshUnlessTurnedOff() throws Exception {
        put("greeting/message", "hello");
        ConfigurableApplicationContext app = start(RefreshScopeApp.class, "watchcache-etcd:" + prefix);
        assertThat(app.getBean(Banner.class).text()).isEqualTo("hello");

        put("greeting/message", "hi");
        await().atMost(Duration.ofSeconds(5)).until(() -> "hi".equals(app.getBean(Banner.class).text()));

        ConfigurableApplicationContext off = start(RefreshScopeApp.class, "watchcache-etcd:" + prefix,
                "--watchcache.etcd.config.refresh-scope=false");
        assertThat(off.getBean(Banner.class).text()).isEqualTo("hi");
        put("greeting/message", "hey");
        await().atMost(Duration.ofSeconds(5)).until(() -> "hey".equals(off.getEnvironment()
                .getProperty("greeting.message")));
        assertThat(off.getBean(Banner.class).text()).isEqualTo("hi");
    }

    @Test
    void keysBecomePropertiesAtStartupAndFollowEveryChangeWithinASecond() throws Exception {
        put("server.port", "8081");
        put("greeting/message", "hello");
        put("application.yml", "app:\n  colour: blue\n  sizes:\n    - 1\n    - 2\n");
        put("db.password", "hunter2");

        ConfigurableApplicationContext app = start("watchcache-etcd:" + prefix);
        Environment env = app.getEnvironment();
        App listener = app.getBean(App.class);

        assertThat(env.getProperty("server.port")).isEqualTo("8081");
        assertThat(env.getProperty("greeting.message")).isEqualTo("hello");
        assertThat(env.getProperty("app.colour")).isEqualTo("blue");
        assertThat(env.getProperty("app.sizes[1]")).isEqualTo("2");

        put("greeting/message", "hi");
        await().atMost(LIVE).until(() -> "hi".equals(env.getProperty("greeting.message")));
        await().atMost(LIVE).until(() -> listener.events.stream().anyMatch(e -> e.changes()
                .containsKey("greeting.message")));
        EtcdConfigChangedEvent changed = listener.events.stream()
                .filter(e -> e.changes().containsKey("greeting.message")).findFirst().orElseThrow();
        assertThat(changed.prefix()).isEqualTo(prefix);
        assertThat(changed.changes()).containsExactly(Map.entry("greeting.message",
                new EtcdConfigChangedEvent.Change("hello", "hi")));
        // The @ConfigurationProperties bean is re-bound: spring-cloud-context is on this classpath.
        await().atMost(LIVE).until(() -> "hi".equals(app.getBean(Greeting.class).getMessage()));

        put("feature/new-ui", "on");
        await().atMost(LIVE).until(() -> "on".equals(env.getProperty("feature.new-ui")));

        delete("server.port");
        await().atMost(LIVE).until(() -> env.getProperty("server.port") == null);

        put("application.yml", "app:\n  colour: green\n");
        await().atMost(LIVE).until(() -> "green".equals(env.getProperty("app.colour"))
                && env.getProperty("app.sizes[1]") == null);

        put("db.password", "correct-horse");
        await().atMost(LIVE).until(() -> listener.events.stream().anyMatch(e -> e.changes()
                .containsKey("db.password")));
        EtcdConfigChangedEvent secret = listener.events.stream().filter(e -> e.changes().containsKey("db.password"))
                .findFirst().orElseThrow();
        assertThat(secret.changes().get("db.password")).isEqualTo(new EtcdConfigChangedEvent.Change("******",
                "******"));
        assertThat(secret.toString()).doesNotContain("hunter2").doesNotContain("correct-horse");

        put("app/internal-url", "http://10.0.0.7/admin");
        await().atMost(LIVE).until(() -> listener.events.stream().anyMatch(e -> e.changes()
                .containsKey("app.internal-url")));
        assertThat(listener.events.stream().filter(e -> e.changes().containsKey("app.internal-url")).findFirst()
                .orElseThrow().changes().get("app.internal-url"))
                .isEqualTo(new EtcdConfigChangedEvent.Change(null, "******"));
        assertThat(env.getProperty("db.password")).isEqualTo("correct-horse");
    }

    @Test
    void aValueThatDoesNotParseKeepsTheLastGoodPropertiesAndIsReportedWithoutTakingTheApplicationDown()
            throws Exception {
        put("application.yml", "app:\n  colour: blue\n");
        ConfigurableApplicationContext app = start("watchcache-etcd:" + prefix);
        Environment env = app.getEnvironment();
        App listener = app.getBean(App.class);
        HealthIndicator health = app.getBean(EtcdConfigHealthIndicator.class);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        app.getBean("watchcacheEtcdConfigMeters", MeterBinder.class).bindTo(registry);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        int linesBefore = CapturedLogs.lines().size();

        put("application.yml", "app:\n  colour: [unclosed\n");
        await().atMost(LIVE).until(() -> listener.events.stream().anyMatch(e -> !e.isApplied()));

        EtcdConfigChangedEvent refused = listener.events.stream().filter(e -> !e.isApplied()).findFirst().orElseThrow();
        assertThat(refused.errors()).containsKey(prefix + "application.yml");
        assertThat(env.getProperty("app.colour")).isEqualTo("blue");
        // A bad push is a configuration problem: the last good values serve, and the instance stays in
        // its load balancer. It is in the WARN, the meter and the health details (masked by default).
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getDetails().toString()).contains("invalidKeys=1").doesNotContain(prefix)
                .doesNotContain("unclosed");
        assertThat(registry.get("watchcache.etcd.config.invalid.keys").gauge().value()).isEqualTo(1);
        assertThat(CapturedLogs.lines().subList(linesBefore, CapturedLogs.lines().size()))
                .anyMatch(l -> l.startsWith("WARN Configuration from etcd: a change of '" + prefix + "'"));

        put("application.yml", "app:\n  colour: red\n");
        await().atMost(LIVE).until(() -> "red".equals(env.getProperty("app.colour")));
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getDetails().toString()).doesNotContain("invalidKeys");
        assertThat(registry.get("watchcache.etcd.config.invalid.keys").gauge().value()).isZero();
    }

    @Test
    void keysThatDoNotParseAtStartupTurnHealthDownOnlyWhenAPropertySaysSoAndShowOnlyWhenValuesMayShow()
            throws Exception {
        put("application.yml", "app:\n  colour: [unclosed\n");
        put("greeting/message", "hello");
        ConfigurableApplicationContext app = start("optional:watchcache-etcd:" + prefix,
                "--watchcache.etcd.config.invalid-keys-status=down",
                "--management.endpoint.watchcache.show-values=always");
        HealthIndicator health = app.getBean(EtcdConfigHealthIndicator.class);

        assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("hello");
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.health().getDetails().toString()).contains(prefix + "application.yml")
                .contains("invalidKeys=1");
    }

    @Test
    void etcdDownAtStartupFailsNamingTheEndpointsUnlessTheImportIsOptional() throws Exception {
        String deadEndpoint = "http://127.0.0.1:" + freePort();
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--spring.config.import=watchcache-etcd:" + prefix + "?request-timeout=1s",
                "--watchcache.etcd.endpoints=" + deadEndpoint))
                .satisfies(failure -> {
                    FailureAnalysis analysis = new EtcdConfigFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    // Refused at once: said so, without waiting out the request timeout.
                    assertThat(analysis.getDescription()).isEqualTo("The configuration prefix '" + prefix
                            + "' could not be read from etcd at " + deadEndpoint + ": connection refused at"
                            + " 127.0.0.1:" + deadEndpoint.substring(deadEndpoint.lastIndexOf(':') + 1) + ".");
                    assertThat(analysis.getAction()).contains("optional:watchcache-etcd:" + prefix);
                });

        // Optional: starts without the properties, then fills them in when etcd answers.
        EtcdCluster.Member member = cluster.member(0);
        member.kill();
        ConfigurableApplicationContext app = start("optional:watchcache-etcd:" + prefix + "?request-timeout=1s");
        assertThat(app.getEnvironment().getProperty("greeting.message")).isNull();
        member.start();
        put("greeting/message", "late but here");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "late but here".equals(app.getEnvironment().getProperty("greeting.message")));
    }

    @Test
    void readinessWaitsForAnOptionalImportThatEtcdHasNotAnsweredYet() throws Exception {
        put("greeting/message", "from etcd");
        EtcdCluster.Member member = cluster.member(0);
        member.kill();
        AtomicReference<ConfigurableApplicationContext> started = new AtomicReference<>();
        CompletableFuture<ConfigurableApplicationContext> running = CompletableFuture.supplyAsync(() ->
                new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                        .listeners((ApplicationListener<ApplicationStartedEvent>) e ->
                                started.set(e.getApplicationContext()))
                        .run("--spring.config.import=optional:watchcache-etcd:" + prefix + "?request-timeout=1s",
                                "--watchcache.etcd.endpoints=" + member.endpoint(),
                                "--watchcache.readiness.await-first-value=true", "--watchcache.readiness.timeout=60s",
                                "--spring.cloud.compatibility-verifier.enabled=false"));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> started.get() != null);
            ConfigurableApplicationContext app = started.get();
            WatchCacheReadiness readiness = app.getBean(WatchCacheReadiness.class);
            await().atMost(Duration.ofSeconds(10)).until(readiness::isHolding);
            // Held, and named by its prefix only: the property still has no value from etcd.
            assertThat(readiness.missing()).containsExactly("config import watchcache-etcd:" + prefix);
            assertThat(app.getBean(ApplicationAvailability.class).getReadinessState())
                    .isEqualTo(ReadinessState.REFUSING_TRAFFIC);
            assertThat(app.getEnvironment().getProperty("greeting.message")).isNull();
            assertThat(running).isNotDone();

            member.start();
            // Ready once etcd answers, with no write under the prefix, and the value is there.
            apps.add(running.get(60, TimeUnit.SECONDS));
            assertThat(readiness.missing()).isEmpty();
            assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("from etcd");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.getBean(ApplicationAvailability.class)
                    .getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC);
        } finally {
            if (!running.isDone() && started.get() != null) {
                started.get().close();
            }
        }
    }

    @Test
    void anEtcdOutageShorterThanTheLostContactThresholdKeepsTheImportsHealthUp() throws Exception {
        put("greeting/message", "before");
        ConfigurableApplicationContext app = start("optional:watchcache-etcd:" + prefix);
        EtcdCluster.Member member = cluster.member(0);
        HealthIndicator health = app.getBean(EtcdConfigHealthIndicator.class);
        int linesBefore = CapturedLogs.lines().size();

        member.kill();
        try {
            // 15 s down, within the default threshold (1 min): the cache notices, health does not flap.
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < end) {
                assertThat(health.health().getStatus()).as("etcdConfig health while etcd is down")
                        .isEqualTo(Status.UP);
                Thread.sleep(200);
            }
            assertThat(CapturedLogs.lines().subList(linesBefore, CapturedLogs.lines().size()))
                    .as("the cache saw the outage").anyMatch(l -> l.startsWith("WARN Cache type "
                            + "'watchcache-etcd-config' lost contact for key '" + prefix + "'"));
            assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("before");
        } finally {
            member.start();
        }
    }

    @Test
    void aChangeStillArrivesAfterEtcdIsKilledAndRestarted() throws Exception {
        put("greeting/message", "before");
        ConfigurableApplicationContext app = start("watchcache-etcd:" + prefix,
                "--watchcache.health.lost-contact-threshold=1s");
        EtcdCluster.Member member = cluster.member(0);

        HealthIndicator health = app.getBean(EtcdConfigHealthIndicator.class);

        member.kill();
        // Past the threshold, health says contact is lost; the last properties stay meanwhile.
        await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.DOWN));
        assertThat(health.health().getDetails().toString()).contains("lostContact").contains("lastError=******")
                .doesNotContain(prefix);
        assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("before");
        member.start();
        long restarted = System.nanoTime();

        // UP again as soon as etcd answers, with no write under the prefix.
        await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
        assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(10));
        assertThat(health.health().getDetails().toString()).doesNotContain("lostContact");

        put("greeting/message", "after the restart");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "after the restart".equals(app.getEnvironment().getProperty("greeting.message")));
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aCleanShutdownLogsNoLostContact() throws Exception {
        put("greeting/message", "hello");
        ConfigurableApplicationContext app = start(CacheUsingApp.class, "watchcache-etcd:" + prefix);
        assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("hello");
        int before = CapturedLogs.lines().size();

        app.close();

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> CapturedLogs.lines()
                .subList(before, CapturedLogs.lines().size()).stream().noneMatch(l -> l.contains("lost contact")));
    }

    @Test
    void badImportsStopStartupWithAClearAnalysis() {
        assertBadImport("watchcache-etcd:", "the prefix is empty");
        assertBadImport("watchcache-etcd:config/app", "the prefix must end with '/' ('config/app/')");
        assertBadImport("watchcache-etcd:config/app/?colour=blue", "unknown option 'colour'; options: request-timeout");
        assertBadImport("watchcache-etcd:config/app/?request-timeout=soon", "request-timeout 'soon' is not a duration");
    }

    @Test
    void aBadConnectionPropertyIsNamedWithItsValueAsWrittenAndWhereItWasWritten() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--spring.config.import=watchcache-etcd:" + prefix, "--watchcache.etcd.request-timeout=-1s",
                "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints())))
                .satisfies(failure -> {
                    FailureAnalysis analysis = new EtcdConfigFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).isEqualTo("The configuration import 'watchcache-etcd:"
                            + prefix + "' cannot connect to etcd with these properties:\n\n"
                            + "\t- 'watchcache.etcd.request-timeout' = '-1s' (from \"watchcache.etcd.request-timeout\""
                            + " from property source \"commandLineArgs\"): must be positive");
                    assertThat(analysis.getAction()).isEqualTo("Update watchcache.etcd.request-timeout in the"
                            + " configuration read before the import (e.g. application.yml).");
                });
    }

    @Test
    void aKeyThatDoesNotParseAtStartupIsNamedWithItsLineAndColumn() throws Exception {
        put("application.yml", "app:\n  colour: [unclosed\n  size: 3\n");
        assertThatThrownBy(() -> start("watchcache-etcd:" + prefix))
                .satisfies(failure -> {
                    FailureAnalysis analysis = new EtcdConfigFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).startsWith("The configuration import 'watchcache-etcd:"
                            + prefix + "' read keys from etcd that do not parse:\n\n\t- " + prefix
                            + "application.yml: line 3, column 7: ");
                    assertThat(analysis.getDescription()).contains("(while parsing a flow sequence)");
                    assertThat(analysis.getAction()).startsWith("Fix or delete key " + prefix
                            + "application.yml in etcd");
                });
    }

    @Test
    void aRefusedPortAndAnUnknownHostEachSayWhatHappenedAndAnOptionalImportDoesNotWaitForThem() throws Exception {
        String refused = "http://127.0.0.1:" + freePort();
        String unknown = "http://etcd.invalid:2379";
        for (String endpoint : List.of(refused, unknown)) {
            long started = System.nanoTime();
            ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .run("--spring.config.import=optional:watchcache-etcd:" + prefix + "?request-timeout=60s",
                            "--watchcache.etcd.endpoints=" + endpoint);
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            app.close();
            // A generous bound: the request timeout is 60 s, and the optional import did not wait for it.
            assertThat(tookMs).as("startup with %s", endpoint).isLessThan(30_000);
        }
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--spring.config.import=watchcache-etcd:" + prefix, "--watchcache.etcd.endpoints=" + unknown))
                .satisfies(failure -> assertThat(new EtcdConfigFailureAnalyzer().analyze(failure).getDescription())
                        .endsWith(": host 'etcd.invalid' cannot be resolved."));
    }

    @Test
    void anImportOnTheCommandLineWithoutEndpointsSaysItIsReadBeforeApplicationYml() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--spring.config.import=watchcache-etcd:" + prefix))
                .satisfies(failure -> {
                    FailureAnalysis analysis = new EtcdConfigFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("watchcache.etcd.endpoints is not set where the"
                            + " import was declared: an import given on the command line").contains(
                                    "is read before application.yml");
                });
    }

    private void assertBadImport(String location, String reason) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--spring.config.import=" + location,
                "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints())))
                .satisfies(failure -> {
                    FailureAnalysis analysis = new EtcdConfigFailureAnalyzer().analyze(failure);
                    assertThat(analysis).as(location).isNotNull();
                    assertThat(analysis.getDescription()).startsWith("The configuration import '" + location
                            + "' is invalid: " + reason);
                });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
