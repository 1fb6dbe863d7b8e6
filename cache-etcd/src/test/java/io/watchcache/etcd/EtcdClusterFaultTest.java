package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults on a real three-member etcd cluster: members killed, frozen and restarted by pid.
 * Every case ends with each watch showing etcd's final value, having seen values only in write
 * order and indexes only moving forward.
 */
@ExtendWith(EtcdExtension.class)
@EtcdExtension.Members(3)
class EtcdClusterFaultTest {

    private static final int KEYS = 30;

    private final String ns = "fault-" + UUID.randomUUID() + "/";
    private EtcdCluster cluster;
    private Client client;
    private WatchCache cache;
    private TypedCache<CacheRequest, Optional<String>> keyCache;
    private final Map<String, WatchRecorder<Optional<String>>> watches = new LinkedHashMap<>();
    private final List<String> keys = new ArrayList<>();

    @BeforeEach
    void setUp(EtcdCluster cluster) throws Exception {
        this.cluster = cluster;
        cluster.ensureAllRunning();
        client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        cache = new WatchCache(CacheOptions.builder().backoffMaxWait(Duration.ofSeconds(1)).build());
        keyCache = cache.register("key", new EtcdKeyType(client, EtcdTypeOptions.builder()
                .endpoints(cluster.endpoints())
                .requestTimeout(Duration.ofSeconds(3)).build()));
        for (int i = 0; i < KEYS; i++) {
            String key = ns + "k" + i;
            keys.add(key);
            WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("-1"));
            watches.put(key, watch);
            keyCache.watch(EtcdRequest.of(key), "k" + i, watch);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        cache.close();
        client.close();
        cluster.ensureAllRunning();
    }

    @Test
    void killingTheLeaderMidWritesAndRestartingItLosesNothing() throws Exception {
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            long round = 0;
            for (; round < 5; round++) {
                writer.writeAll(round);
            }
            EtcdCluster.Member leader = cluster.member(leaderIndex());

            leader.kill();
            for (; round < 15; round++) {
                writer.writeAll(round);
            }
            leader.start();
            for (; round < 20; round++) {
                writer.writeAll(round);
            }

            awaitEveryWatchOnEtcdsFinalValue(writer, Duration.ofSeconds(60));
        }
    }

    @Test
    void aFrozenFollowerIsFlaggedOrAvoidedWithinTenSecondsAndConvergesAfterThaw() throws Exception {
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));
            EtcdCluster.Member follower = cluster.member(followerIndex());
            List<String> healthy = new ArrayList<>(cluster.endpoints());
            healthy.remove(follower.endpoint());

            follower.stop();
            double worst;
            try (KeyWriter duringFreeze = new KeyWriter(healthy, keys).startAfter(writer.lastRound())) {
                worst = duringFreeze.writeEverySecondMeasuring(Duration.ofSeconds(20), this::delivered,
                        () -> KeyWriter.lostContactIn(cache));
                follower.cont();
                duringFreeze.writeAll(duringFreeze.lastRound() + 1);
                awaitEveryWatchOnEtcdsFinalValue(duringFreeze, Duration.ofSeconds(60));
            }

            assertThat(worst).as("longest time a watch showed an old value without lost contact, s")
                    .isLessThanOrEqualTo(10.0);
        }
    }

    @Test
    void aFullClusterOutageIsFlaggedAndEveryWatchRecoversAfterTheRestart() throws Exception {
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));

            for (EtcdCluster.Member member : cluster.members()) {
                member.kill();
            }
            // Every entry notices: its stream fails, then its reads do.
            await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().stream()
                    .allMatch(e -> e.lostContact() != null));
            Thread.sleep(15_000 - 5_000);
            cluster.ensureAllRunning();
            writer.writeAll(1);

            awaitEveryWatchOnEtcdsFinalValue(writer, Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30)).until(() -> cache.snapshot().entries().stream()
                    .allMatch(e -> e.lostContact() == null));
        }
    }

    private void awaitEveryWatchOnEtcdsFinalValue(KeyWriter writer, Duration within) throws Exception {
        await().atMost(within).until(() -> writer.allDelivered(this::delivered));
        try (Client reader = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
            for (String key : keys) {
                String etcdValue = reader.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8))
                        .get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
                assertThat(delivered(key)).as("final value of " + key).isEqualTo(etcdValue);
                watches.get(key).assertOrdered(Long::parseLong);
            }
        }
    }

    private String delivered(String key) {
        return watches.get(key).last();
    }

    private int leaderIndex() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int i = 0; i < cluster.members().size(); i++) {
                if (cluster.member(i).metric("etcd_server_is_leader") == 1) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader among " + cluster.members());
    }

    private int followerIndex() throws Exception {
        int leader = leaderIndex();
        return (leader + 1) % cluster.members().size();
    }
}
