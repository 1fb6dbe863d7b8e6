package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.CapturedLogs;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.config.EtcdGatewayRead;
import io.watchcache.spring.boot.health.WatchCacheHealthIndicator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Under etcd authentication, a key the user may not read is a refusal, not an outage (DESIGN.md
 * revision 4): its entry is failed with etcd's message and stops asking, it is not retried as
 * lost contact; a key the same user may read goes on as usual.
 */
@ExtendWith(EtcdExtension.class)
class EtcdAuthTest {

    /** One namespace for the class: the reader's permission is granted once, on it. */
    private static final String NS = "auth-" + UUID.randomUUID() + "/";
    private static final ByteSequence ROOT = bytes("root");
    private static final ByteSequence ROOT_PASSWORD = bytes("pw-" + UUID.randomUUID());
    private static final ByteSequence READER = bytes("reader");
    private static final ByteSequence READER_PASSWORD = bytes("pw-" + UUID.randomUUID());
    private static boolean authEnabled;

    private final String ns = NS;

    /**
     * Turns etcd authentication on, once for the class: root, and a reader that may read under
     * {@code allowed/} only.
     */
    private static synchronized void enableAuth(EtcdCluster.Member etcd) throws Exception {
        if (authEnabled) {
            return;
        }
        try (Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            admin.getKVClient().put(bytes(NS + "allowed/a"), bytes("a1")).get(10, TimeUnit.SECONDS);
            admin.getKVClient().put(bytes(NS + "secret"), bytes("s1")).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().userAdd(ROOT, ROOT_PASSWORD).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().roleAdd(ROOT).handle((r, e) -> r).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().userGrantRole(ROOT, ROOT).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().userAdd(READER, READER_PASSWORD).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().roleAdd(READER).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().roleGrantPermission(READER, bytes(NS + "allowed/"), bytes(NS + "allowed0"),
                    Permission.Type.READ).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().userGrantRole(READER, READER).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
        }
        authEnabled = true;
    }

    private static EtcdConnection reader(EtcdCluster.Member etcd) {
        return EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()).user(READER).password(READER_PASSWORD));
    }

    @Test
    void aKeyTheUserMayNotReadFailsItsEntryWithEtcdsMessageAndIsNotRetriedAsLostContact(EtcdCluster.Member etcd)
            throws Exception {
        etcd.start();
        enableAuth(etcd);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EtcdConnection client = reader(etcd);
             WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build())) {
            TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", new EtcdKeyType(client,
                    EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()));
            int linesBefore = CapturedLogs.lines().size();
            WatchRecorder<Optional<String>> allowed = new WatchRecorder<>(v -> v.orElse("-"));
            WatchRecorder<Optional<String>> secret = new WatchRecorder<>(v -> v.orElse("-"));
            keys.watch(EtcdRequest.of(ns + "allowed/a"), "allowed", allowed);
            keys.watch(EtcdRequest.of(ns + "secret"), "secret", secret);

            await().atMost(Duration.ofSeconds(10)).until(() -> entry(cache, ns + "secret").failed());
            CacheSnapshot.EntryView refused = entry(cache, ns + "secret");
            assertThat(refused.lostContact()).as("lost contact").isNull();
            assertThat(refused.lastError()).contains("permission denied");
            assertThat(secret.errors()).isNotEmpty().allSatisfy(e -> assertThat(e).hasMessageContaining(
                    "permission denied"));
            await().atMost(Duration.ofSeconds(10)).until(() -> "a1".equals(allowed.last()));
            assertThat(allowed.errors()).isEmpty();

            Health health = new WatchCacheHealthIndicator(cache, Duration.ofMinutes(1), "DOWN", false, true)
                    .health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("failed", 1).containsEntry("lostContact", 0);
            assertThat(registry.get("watchcache.failed").tag("type", "key").gauge().value()).isEqualTo(1);
            assertThat(registry.get("watchcache.lost.contact").tag("type", "key").gauge().value()).isZero();

            // The watch asks again only as its backoff allows, and each answer is the same refusal:
            // the entry stays failed, never lost contact.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                    entry(cache, ns + "secret").failed() && entry(cache, ns + "secret").lostContact() == null);
            assertThat(secret.errors()).allSatisfy(e -> assertThat(e).hasMessageContaining("permission denied"));
            List<String> lines = CapturedLogs.lines();
            assertThat(lines.subList(linesBefore, lines.size()))
                    .noneMatch(l -> l.contains("lost contact for key '" + ns + "secret'"))
                    .anyMatch(l -> l.startsWith("WARN Cache type 'key' stopped refreshing key '" + ns + "secret'"));
        }
    }

    /**
     * etcd keeps simple tokens in memory: a restarted member knows none of them. The connection
     * keeps its own token (no jetcd client in between), so it has to log in again by itself; the
     * entry carries on with the new value and is not failed as a refusal.
     */
    @Test
    void aRestartedMemberForgetsTheTokenAndTheWatchCarriesOnWithANewOne(EtcdCluster.Member etcd) throws Exception {
        etcd.start();
        enableAuth(etcd);
        try (EtcdConnection client = reader(etcd);
             WatchCache cache = new WatchCache(CacheOptions.builder().backoffMaxWait(Duration.ofSeconds(1)).build());
             Client root = Client.builder().endpoints(etcd.endpoint()).user(ROOT).password(ROOT_PASSWORD).build()) {
            TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", new EtcdKeyType(client,
                    EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()));
            root.getKVClient().put(bytes(ns + "allowed/restart"), bytes("r1")).get(10, TimeUnit.SECONDS);
            WatchRecorder<Optional<String>> watched = new WatchRecorder<>(v -> v.orElse("-"));
            keys.watch(EtcdRequest.of(ns + "allowed/restart"), "restart", watched);
            await().atMost(Duration.ofSeconds(10)).until(() -> "r1".equals(watched.last()));

            etcd.terminate();
            etcd.start();
            root.getKVClient().put(bytes(ns + "allowed/restart"), bytes("r2")).get(20, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(20)).until(() -> "r2".equals(watched.last()));
            CacheSnapshot.EntryView entry = entry(cache, ns + "allowed/restart");
            assertThat(entry.failed()).as("failed").isFalse();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> entry(cache, ns + "allowed/restart").lostContact() == null);
            assertThat(watched.errors()).noneSatisfy(e -> assertThat(e).hasMessageContaining("permission denied"));
        }
    }

    private static CacheSnapshot.EntryView entry(WatchCache cache, String key) {
        return cache.snapshot().entries().stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void aConsistentReadLogsInAsTheUserAndSeesTheWriteJustAcknowledged(EtcdCluster.Member etcd) throws Exception {
        etcd.start();
        enableAuth(etcd);
        try (EtcdConnection client = reader(etcd);
             WatchCache cache = new WatchCache(CacheOptions.defaults());
             Client root = Client.builder().endpoints(etcd.endpoint()).user(ROOT).password(ROOT_PASSWORD).build()) {
            TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", new EtcdKeyType(client,
                    EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()));
            TypedCache<CacheRequest, PrefixSnapshot> prefixes = cache.register("prefix", new EtcdPrefixType(client,
                    EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()));
            for (int i = 0; i < 20; i++) {
                root.getKVClient().put(bytes(ns + "allowed/consistent"), bytes("c" + i)).get(10, TimeUnit.SECONDS);

                RequestInfo info = RequestInfo.builder().key(ns + "allowed/consistent").consistent(true)
                        .timeout(Duration.ofSeconds(5)).build();
                Result<Optional<String>> read = keys.get(() -> info);
                RequestInfo prefix = RequestInfo.builder().key(ns + "allowed/").consistent(true)
                        .timeout(Duration.ofSeconds(5)).build();
                PrefixSnapshot all = prefixes.get(() -> prefix).value();

                assertThat(read.value()).contains("c" + i);
                assertThat(read.meta().consistent()).isTrue();
                assertThat(all.get(ns + "allowed/consistent")).isEqualTo("c" + i);
            }
        }
    }

    @Test
    void anImportsGatewayReadLogsInAndIsRefusedWhatTheUserMayNotRead(EtcdCluster.Member etcd) throws Exception {
        etcd.start();
        enableAuth(etcd);
        String reader = READER.toString(StandardCharsets.UTF_8);
        String password = READER_PASSWORD.toString(StandardCharsets.UTF_8);
        EtcdConnectionDetails details = new EtcdConnectionDetails() {
            @Override
            public List<String> getEndpoints() {
                return List.of(etcd.endpoint());
            }

            @Override
            public String getUser() {
                return reader;
            }

            @Override
            public String getPassword() {
                return password;
            }
        };

        EtcdGatewayRead.Read read = EtcdGatewayRead.read(details, ns, null, "allowed/", Duration.ofSeconds(5));
        assertThat(read.entries()).containsEntry("allowed/a", "a1");

        assertThatThrownBy(() -> EtcdGatewayRead.read(details, ns, null, "secret", Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class).hasMessageContaining("etcd refused the read")
                .hasMessageContaining("permission denied").hasMessageNotContaining(password);
        EtcdConnectionDetails wrong = new EtcdConnectionDetails() {
            @Override
            public List<String> getEndpoints() {
                return List.of(etcd.endpoint());
            }

            @Override
            public String getUser() {
                return reader;
            }

            @Override
            public String getPassword() {
                return "not-" + password;
            }
        };
        assertThatThrownBy(() -> EtcdGatewayRead.read(wrong, ns, null, "allowed/", Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class).hasMessageContaining("etcd refused the read")
                .hasMessageContaining("authentication failed").hasMessageNotContaining(password);
    }
}
