package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.CapturedLogs;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.etcd.autoconfigure.EtcdBootstrap;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.autoconfigure.EtcdImportConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One etcd connection for the configuration imports and the cache types, against a real etcd:
 * connection details from the bootstrap registry serve both, imports and types configured alike
 * share one connection, and a details bean that points elsewhere than the import stops startup.
 */
@ExtendWith(EtcdExtension.class)
class EtcdConnectionSharingTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
    private EtcdCluster cluster;
    private Client client;
    private String prefix;

    /** An application with one etcd key type, as the README declares one. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class KeyTypeApp {

        @Bean
        CacheType<CacheRequest, Optional<String>> values(EtcdCacheTypes etcd) {
            return etcd.keyType();
        }
    }

    /** The same, with its own connection details bean pointing at a port where nothing listens. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ElsewhereApp extends KeyTypeApp {

        @Bean
        EtcdConnectionDetails elsewhere() {
            return () -> List.of("http://127.0.0.1:1");
        }
    }

    @BeforeEach
    void connect(EtcdCluster cluster) throws Exception {
        this.cluster = cluster;
        cluster.ensureAllRunning();
        client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        prefix = "config/sharing" + PREFIXES.incrementAndGet() + "/";
    }

    @AfterEach
    void close() {
        apps.forEach(ConfigurableApplicationContext::close);
        client.close();
    }

    private void put(String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private ConfigurableApplicationContext started(SpringApplicationBuilder builder, String... args) {
        ConfigurableApplicationContext app = builder.web(WebApplicationType.NONE).run(args);
        apps.add(app);
        return app;
    }

    @Test
    void connectionDetailsInTheBootstrapRegistryAloneServeTheImportAndTheTypesOnOneConnection() throws Exception {
        put(prefix + "greeting.message", "from etcd");
        put("sharing/key", "value");
        List<String> endpoints = List.copyOf(cluster.endpoints());
        EtcdConnectionDetails details = () -> endpoints;

        // No watchcache.etcd.endpoints anywhere: the details are the only place etcd is named.
        ConfigurableApplicationContext app = started(new SpringApplicationBuilder(KeyTypeApp.class)
                        .addBootstrapRegistryInitializer(EtcdBootstrap.connectionDetails(details)),
                "--spring.config.import=watchcache-etcd:" + prefix);

        assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("from etcd");
        assertThat(app.getBean(EtcdConnectionDetails.class)).isSameAs(details);
        TypedCache<CacheRequest, Optional<String>> values = app.getBean(WatchCache.class).type("values");
        assertThat(values.get(EtcdRequest.of("sharing/key")).value()).contains("value");
        EtcdImportConnection imported = app.getBean(EtcdImportConnection.BEAN_NAME, EtcdImportConnection.class);
        assertThat(app.getBean(EtcdConnection.class)).isSameAs(imported.connection());
        assertThat(imported.isShared()).isTrue();

        // Live changes still reach the import through the shared connection.
        put(prefix + "greeting.message", "changed");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> "changed".equals(app.getEnvironment().getProperty("greeting.message")));

        // The types close it after their cache: nobody sees a stream end on a clean shutdown.
        int before = CapturedLogs.lines().size();
        app.close();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> CapturedLogs.lines()
                .subList(before, CapturedLogs.lines().size()).stream().noneMatch(l -> l.contains("lost contact")));
        assertThatThrownBy(() -> imported.connection().client()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void anImportAndTypesConfiguredTheSameWayShareOneConnection() throws Exception {
        put(prefix + "greeting.message", "hello");
        ConfigurableApplicationContext app = started(new SpringApplicationBuilder(KeyTypeApp.class),
                "--spring.config.import=watchcache-etcd:" + prefix,
                "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints()));

        EtcdImportConnection imported = app.getBean(EtcdImportConnection.BEAN_NAME, EtcdImportConnection.class);
        assertThat(app.getBean(EtcdConnection.class)).isSameAs(imported.connection());
        assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("hello");
    }

    @Test
    void aConnectionDetailsBeanThatPointsElsewhereThanTheImportStopsStartupSayingWhatDiffers() throws Exception {
        put(prefix + "greeting.message", "hello");
        assertThatThrownBy(() -> started(new SpringApplicationBuilder(ElsewhereApp.class),
                "--spring.config.import=watchcache-etcd:" + prefix,
                "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints())))
                .rootCause().hasMessageContaining("would connect differently")
                .hasMessageContaining("endpoints " + cluster.endpoints() + " vs [http://127.0.0.1:1]")
                .hasMessageContaining("EtcdBootstrap.connectionDetails");
    }

    @Test
    void anImportWithoutEndpointsNamesTheBootstrapRegistryForConnectionDetails() {
        assertThatThrownBy(() -> started(new SpringApplicationBuilder(ElsewhereApp.class),
                "--spring.config.import=optional:watchcache-etcd:" + prefix))
                .hasMessageContaining("watchcache.etcd.endpoints is not set")
                .hasMessageContaining("An EtcdConnectionDetails bean cannot reach an import")
                .hasMessageContaining("EtcdBootstrap.connectionDetails");
    }
}
