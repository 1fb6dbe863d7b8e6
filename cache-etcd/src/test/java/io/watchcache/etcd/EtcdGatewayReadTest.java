package io.watchcache.etcd;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.config.EtcdGatewayRead;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An import's startup read through etcd's JSON gateway, against a real etcd: it reads what the
 * gRPC read reads, and says when it cannot serve a read (then the import reads over gRPC).
 */
@ExtendWith(EtcdExtension.class)
class EtcdGatewayReadTest {

    private EtcdCluster cluster;
    private Client client;
    private String prefix;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @BeforeEach
    void connect(EtcdCluster cluster) {
        this.cluster = cluster;
        client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        prefix = "gateway-" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void close() {
        client.close();
    }

    private void put(String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private EtcdConnectionDetails details() {
        List<String> endpoints = List.copyOf(cluster.endpoints());
        return () -> endpoints;
    }

    @Test
    void readsWhatTheGrpcReadReadsUnderANamespaceAndNothingBesideThePrefix() throws Exception {
        String ns = "tenant-" + UUID.randomUUID() + "/";
        put(ns + prefix + "a.b", "plain");
        put(ns + prefix + "empty", "");
        put(ns + prefix + "app/greeting", "grüße, \"quoted\" \\ back");
        put(ns + prefix.substring(0, prefix.length() - 1) + "0", "just past the prefix");
        put(ns + prefix.substring(0, prefix.length() - 1), "the prefix without its slash");
        put(prefix + "a.b", "outside the namespace");

        EtcdGatewayRead.Read gateway = EtcdGatewayRead.read(details(), ns, null, prefix, Duration.ofSeconds(5));

        try (EtcdConnection grpc = EtcdConnection.of(Client.builder()
                .endpoints(cluster.endpoints().toArray(String[]::new)).namespace(bytes(ns)))) {
            PrefixSnapshot read = grpc.readPrefix(prefix, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(gateway.entries()).isEqualTo(read.entries());
            assertThat(gateway.revision()).isPositive().isLessThanOrEqualTo(read.revision());
        }
        assertThat(gateway.entries()).containsOnlyKeys(prefix + "a.b", prefix + "empty", prefix + "app/greeting")
                .containsEntry(prefix + "empty", "")
                .containsEntry(prefix + "app/greeting", "grüße, \"quoted\" \\ back");
    }

    @Test
    void whatTheGatewayCannotCarryIsUnsupportedAndAnImportThenReadsOverGrpc() throws Exception {
        assertThatThrownBy(() -> EtcdGatewayRead.read(details(), null, "etcd.internal", prefix,
                Duration.ofSeconds(1))).isInstanceOf(EtcdGatewayRead.Unsupported.class);
        assertThatThrownBy(() -> EtcdGatewayRead.read(() -> List.of("ip:///127.0.0.1:2379"), null, null, prefix,
                Duration.ofSeconds(1))).isInstanceOf(EtcdGatewayRead.Unsupported.class);
        HttpServer noGateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        noGateway.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        noGateway.start();
        try {
            String at = "http://127.0.0.1:" + noGateway.getAddress().getPort();
            assertThatThrownBy(() -> EtcdGatewayRead.read(() -> List.of(at), null, null, prefix,
                    Duration.ofSeconds(1))).isInstanceOf(EtcdGatewayRead.Unsupported.class);
        } finally {
            noGateway.stop(0);
        }

        // An authority override: the import reads over gRPC, and still reads.
        put(prefix + "greeting.message", "over gRPC");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).run("--spring.config.import=watchcache-etcd:" + prefix,
                        "--watchcache.etcd.endpoints=" + String.join(",", cluster.endpoints()),
                        "--watchcache.etcd.authority=localhost")) {
            assertThat(app.getEnvironment().getProperty("greeting.message")).isEqualTo("over gRPC");
        }
    }

    @Test
    void anEndpointThatNeverAnswersIsATimeoutWithinTheRequestTimeout() throws Exception {
        HttpServer silent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        CountDownLatch never = new CountDownLatch(1);
        silent.createContext("/", exchange -> {
            try {
                never.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        silent.start();
        try {
            String at = "http://127.0.0.1:" + silent.getAddress().getPort();
            long start = System.nanoTime();
            assertThatThrownBy(() -> EtcdGatewayRead.read(() -> List.of(at), null, null, prefix,
                    Duration.ofMillis(500))).isInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            never.countDown();
            silent.stop(0);
        }
    }
}
