package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.etcd.autoconfigure.WatchCacheEtcdAutoConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code watchcache.etcd.ssl.bundle} against a real etcd serving clients over TLS only, with the
 * test certificates in {@code src/test/resources/tls}.
 */
class EtcdTlsTest {

    private static EtcdCluster etcd;

    @BeforeAll
    static void startEtcdWithTls() throws Exception {
        etcd = EtcdCluster.start(EtcdExtension.binaryOrSkip(), 1, new EtcdCluster.Tls(resource("tls/server.pem"),
                resource("tls/server-key.pem"), resource("tls/ca.pem")));
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void aClientFromAnSslBundleReadsAndWatchesOverTls() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                        WatchCacheEtcdAutoConfiguration.class))
                .withPropertyValues("watchcache.etcd.endpoints=" + etcd.member(0).endpoint(),
                        "watchcache.etcd.ssl.bundle=etcd",
                        "spring.ssl.bundle.pem.etcd.truststore.certificate=classpath:tls/ca.pem")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    EtcdCacheTypes types = context.getBean(EtcdCacheTypes.class);
                    types.client().getKVClient().put(bytes("tls/k"), bytes("secure")).get(10, TimeUnit.SECONDS);
                    try (WatchCache cache = new WatchCache(CacheOptions.defaults())) {
                        TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", types.keyType());
                        assertThat(keys.get(EtcdRequest.of("tls/k")).value())
                                .contains("secure");

                        // Watches share one stream over TLS (with the entry read above); each hears its own key.
                        Map<String, WatchRecorder<Optional<String>>> watches = new LinkedHashMap<>();
                        for (int i = 0; i < 5; i++) {
                            WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("-"));
                            watches.put("tls/w" + i, watch);
                            keys.watch(EtcdRequest.of("tls/w" + i), "w" + i, watch);
                        }
                        await().atMost(Duration.ofSeconds(10)).until(() -> watches.values().stream()
                                .allMatch(w -> "-".equals(w.last())));
                        for (String key : watches.keySet()) {
                            types.client().getKVClient().put(bytes(key), bytes(key + "-1")).get(10, TimeUnit.SECONDS);
                        }
                        await().atMost(Duration.ofSeconds(10)).until(() -> watches.entrySet().stream()
                                .allMatch(e -> (e.getKey() + "-1").equals(e.getValue().last())));
                        assertThat(etcd.member(0).watchStreams()).isOne();
                        watches.forEach((key, watch) -> assertThat(watch.values()).as(key)
                                .containsExactly("-", key + "-1"));

                        // A consistent read over TLS sees the write just acknowledged.
                        RequestInfo consistent = RequestInfo.builder().key("tls/k").consistent(true)
                                .timeout(Duration.ofSeconds(5)).build();
                        for (int i = 0; i < 10; i++) {
                            types.client().getKVClient().put(bytes("tls/k"), bytes("secure-" + i))
                                    .get(10, TimeUnit.SECONDS);
                            Result<Optional<String>> read = keys.get(() -> consistent);
                            assertThat(read.value()).contains("secure-" + i);
                            assertThat(read.meta().consistent()).isTrue();
                        }
                    }
                });
    }

    @Test
    void aPlainTextClientCannotTalkToIt() {
        try (Client plain = Client.builder().endpoints(etcd.member(0).endpoint().replace("https:", "http:")).build()) {
            assertThatThrownBy(() -> plain.getKVClient().get(bytes("tls/k")).get(3, TimeUnit.SECONDS))
                    .isNotNull();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(EtcdTlsTest.class.getClassLoader().getResource(name).toURI());
    }
}
