package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CapturedLogs;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.health.WatchCacheHealthIndicator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    private EtcdConnection client;
    private WatchCache cache;
    private TypedCache<CacheRequest, Optional<String>> keyCache;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Counts watched entries the moment they lose contact (no threshold), as a probe would see them. */
    private WatchCacheHealthIndicator health;
    private final Map<String, WatchRecorder<Optional<String>>> watches = new LinkedHashMap<>();
    private final List<String> keys = new ArrayList<>();

    @BeforeEach
    void setUp(EtcdCluster cluster, TestInfo test) throws Exception {
        // Marks the log, so a failure's lines can be told from the last test's.
        LoggerFactory.getLogger("io.watchcache.test").info("==== {}", test.getDisplayName());
        this.cluster = cluster;
        cluster.ensureAllRunning();
        client = EtcdConnection.of(Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
        // Default backoff (up to a minute, plus jitter): recovery must follow etcd, not the backoff.
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        health = new WatchCacheHealthIndicator(cache, Duration.ZERO, "DOWN", false, true);
    }

    /** Watches the {@value #KEYS} keys, with the default failover grace. */
    private void watchAll() {
        watchAll(EtcdTypeOptions.DEFAULT_FAILOVER_GRACE);
    }

    private void watchAll(Duration failoverGrace) {
        keyCache = cache.register("key", new EtcdKeyType(client, EtcdTypeOptions.builder()
                .endpoints(cluster.endpoints()).failoverGrace(failoverGrace)
                .requestTimeout(Duration.ofSeconds(3)).build()));
        for (int i = 0; i < KEYS; i++) {
            String key = ns + "k" + i;
            keys.add(key);
            watches.put(key, WatchRecorder.watchKey(keyCache, key, "k" + i));
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
        watchAll();
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
    void quietEntriesRegainContactWithinSecondsOfARestartWithoutAnyWrite() throws Exception {
        watchAll();
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));
        }
        int linesBefore = CapturedLogs.lines().size();

        // The whole cluster: no member can take the streams over, so this is past any grace.
        for (EtcdCluster.Member member : cluster.members()) {
            member.kill();
        }
        // Each entry loses contact, once.
        await().atMost(Duration.ofSeconds(15)).until(() -> lostContactKeys(linesBefore).size() == KEYS);
        Thread.sleep(10_000);
        cluster.ensureAllRunning();
        long restarted = System.nanoTime();

        // Nothing is written: contact is a fact about etcd answering, not about changes.
        await().atMost(Duration.ofSeconds(15)).until(() -> cache.snapshot().entries().stream()
                .allMatch(e -> e.lostContact() == null) && health.health().getStatus().equals(Status.UP));
        double clearedAfterS = (System.nanoTime() - restarted) / 1e9;
        assertThat(clearedAfterS).as("every flag cleared, s after the restart").isLessThanOrEqualTo(15.0);
        assertThat(registry.get("watchcache.lost.contact").tag("type", "key").gauge().value()).isZero();
        for (String key : keys) {
            List<String> lines = CapturedLogs.lines().subList(linesBefore, CapturedLogs.lines().size());
            assertThat(lines).as("the INFO line for " + key)
                    .anyMatch(l -> l.startsWith("INFO Cache type 'key' regained contact for key '" + key + "'"));
            assertThat(lines).as("lost-contact WARN lines for " + key)
                    .filteredOn(l -> l.startsWith("WARN Cache type 'key' lost contact for key '" + key + "'"))
                    .hasSize(1);
        }
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(1);
            awaitEveryWatchOnEtcdsFinalValue(writer, Duration.ofSeconds(30));
        }
    }

    @Test
    void aFollowerFrozenForAMinuteLeavesNoWatchBehindByMoreThanTenSeconds() throws Exception {
        watchAll();
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));
            EtcdCluster.Member follower = cluster.member(followerIndex());
            List<String> healthy = new ArrayList<>(cluster.endpoints());
            healthy.remove(follower.endpoint());

            follower.stop();
            double worst;
            try (KeyWriter duringFreeze = new KeyWriter(healthy, keys).startAfter(writer.lastRound())) {
                // Flagged or not: with two members answering, a watch must find one of them.
                worst = duringFreeze.writeEverySecondMeasuring(Duration.ofSeconds(60), this::delivered,
                        () -> key -> false);
                follower.cont();
                duringFreeze.writeAll(duringFreeze.lastRound() + 1);
                awaitEveryWatchOnEtcdsFinalValue(duringFreeze, Duration.ofSeconds(60));
            }

            assertThat(worst).as("longest time any watch showed an old value, flagged or not, s")
                    .isLessThanOrEqualTo(10.0);
        }
    }

    @Test
    void freezingTheMemberThatServesTheSharedStreamPastTheGraceFlagsEveryWatchOnceAndMovesThemWithoutReading()
            throws Exception {
        // No grace: the watches are re-created at once, and on loopback they could be confirmed
        // on another member within any grace short enough to test; without one, every stream
        // failure is told.
        watchAll(Duration.ZERO);
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));
            // The 30 watches share one stream, on one member.
            EtcdCluster.Member serving = busiestMember();
            assertThat(serving.watchStreams()).isOne();
            List<EtcdCluster.Member> others = new ArrayList<>(cluster.members());
            others.remove(serving);
            List<String> healthy = others.stream().map(EtcdCluster.Member::endpoint).toList();
            double rangesBefore = ranges(others);
            int linesBefore = CapturedLogs.lines().size();

            serving.stop();
            double worst;
            try (KeyWriter duringFreeze = new KeyWriter(healthy, keys).startAfter(writer.lastRound())) {
                // The member accepts and answers nothing: the stream's progress request goes
                // unanswered, and every watch on it is flagged, within 10 s.
                await().atMost(Duration.ofSeconds(10)).until(() -> lostContactKeys(linesBefore).size() == KEYS);
                worst = duringFreeze.writeEverySecondMeasuring(Duration.ofSeconds(15), this::delivered,
                        () -> key -> false);
                // Re-created on the other members, each from its own next revision: no read per entry.
                double reads = ranges(others) - rangesBefore;
                assertThat(reads).as("Range requests to the other members while the stream moved")
                        .isLessThan(KEYS / 3.0);
                await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().stream()
                        .allMatch(e -> e.lostContact() == null));
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                serving.cont();
                duringFreeze.writeAll(duringFreeze.lastRound() + 1);
                awaitEveryWatchOnEtcdsFinalValue(duringFreeze, Duration.ofSeconds(30));
            }
            assertThat(worst).as("longest time any watch showed an old value, flagged or not, s")
                    .isLessThanOrEqualTo(10.0);
            assertThat(registry.get("watchcache.lost.contact").tag("type", "key").gauge().value()).isZero();
            for (String key : keys) {
                List<String> lines = CapturedLogs.lines().subList(linesBefore, CapturedLogs.lines().size());
                assertThat(lines).as("the INFO line for " + key)
                        .anyMatch(l -> l.startsWith("INFO Cache type 'key' regained contact for key '" + key + "'"));
                assertThat(lines).as("lost-contact WARN lines for " + key)
                        .filteredOn(l -> l.startsWith("WARN Cache type 'key' lost contact for key '" + key + "'"))
                        .hasSize(1);
            }
        }
    }

    @Test
    void aFullClusterOutageIsFlaggedAndEveryWatchRecoversAfterTheRestart() throws Exception {
        watchAll();
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.allDelivered(this::delivered));

            // SIGTERM, as an orderly restart of the whole cluster does: etcd ends every stream first.
            for (EtcdCluster.Member member : cluster.members()) {
                member.terminate();
            }
            // Every entry notices once the failover grace is over: no member takes its watch.
            await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().stream()
                    .allMatch(e -> e.lostContact() != null));
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            // Each episode counts from the stream's failure, not from the end of the grace.
            assertThat(cache.snapshot().entries()).allSatisfy(e -> assertThat(e.lostContact())
                    .isGreaterThanOrEqualTo(EtcdTypeOptions.DEFAULT_FAILOVER_GRACE.minusMillis(100)));
            // 15 s down in all: long enough for the default backoff to reach many seconds per entry.
            Thread.sleep(15_000 - 5_000);
            cluster.ensureAllRunning();
            writer.writeAll(1);

            // Without the reachability signal, entries would sleep out backoffs of up to two minutes.
            awaitEveryWatchOnEtcdsFinalValue(writer, Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().stream()
                    .allMatch(e -> e.lostContact() == null));
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            // And from then on, no watch lags behind without its flag.
            double worst = writer.writeEverySecondMeasuring(Duration.ofSeconds(5), this::delivered,
                    () -> KeyWriter.lostContactIn(cache));
            assertThat(worst).as("longest unflagged lag after recovery, s").isLessThanOrEqualTo(3.0);
        }
    }

    /** The keys whose entries logged a lost-contact WARN since line {@code from}. */
    private Set<String> lostContactKeys(int from) {
        Set<String> lost = new HashSet<>();
        List<String> lines = CapturedLogs.lines();
        for (String line : lines.subList(from, lines.size())) {
            for (String key : keys) {
                if (line.startsWith("WARN Cache type 'key' lost contact for key '" + key + "'")) {
                    lost.add(key);
                }
            }
        }
        return lost;
    }

    /** Range requests the members have served. */
    private static double ranges(List<EtcdCluster.Member> members) throws Exception {
        double ranges = 0;
        for (EtcdCluster.Member member : members) {
            ranges += member.metric("grpc_server_started_total", "grpc_method=\"Range\"");
        }
        return ranges;
    }

    /** The member serving the most watch streams right now. */
    private EtcdCluster.Member busiestMember() throws Exception {
        EtcdCluster.Member busiest = null;
        long most = -1;
        for (EtcdCluster.Member member : cluster.members()) {
            long streams = member.watchStreams();
            if (streams > most) {
                most = streams;
                busiest = member;
            }
        }
        return busiest;
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
