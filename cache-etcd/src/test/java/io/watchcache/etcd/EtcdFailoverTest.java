package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routine operations on a real three-member etcd cluster are not outages (DESIGN.md revision 4,
 * "Quiet failover"): members restarted one at a time, with a quorum answering throughout, while
 * 100 keys are watched through key and prefix types and written at about 20 puts a second. No
 * listener hears an error, no WARN is logged, no entry is flagged, health stays UP with no
 * threshold at all, every value arrives in order, and the failovers are counted.
 */
@ExtendWith(EtcdExtension.class)
@EtcdExtension.Members(3)
class EtcdFailoverTest {

    private static final int KEYS = 60;
    private static final int PREFIXES = 4;
    private static final int KEYS_PER_PREFIX = 10;
    private static final Duration DOWN = Duration.ofSeconds(5);

    private final String ns = "failover-" + UUID.randomUUID() + "/";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, WatchRecorder<Optional<String>>> keyWatches = new LinkedHashMap<>();
    private final Map<String, WatchRecorder<PrefixSnapshot>> prefixWatches = new LinkedHashMap<>();
    /** Every key written: the watched keys, then the keys under the watched prefixes. */
    private final List<String> written = new ArrayList<>();
    private EtcdCluster cluster;
    private EtcdConnection client;
    private WatchCache cache;
    /** No threshold: any entry that lost contact, even for a moment, turns it DOWN. */
    private WatchCacheHealthIndicator health;

    @BeforeEach
    void setUp(EtcdCluster cluster, TestInfo test) throws Exception {
        LoggerFactory.getLogger("io.watchcache.test").info("==== {}", test.getDisplayName());
        this.cluster = cluster;
        cluster.ensureAllRunning();
        client = EtcdConnection.of(Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        health = new WatchCacheHealthIndicator(cache, Duration.ZERO, "DOWN", false, true);
        EtcdTypeOptions options = EtcdTypeOptions.builder().endpoints(cluster.endpoints()).build();
        TypedCache<CacheRequest, Optional<String>> keys = cache.register("rkey", new EtcdKeyType(client, options));
        TypedCache<CacheRequest, PrefixSnapshot> prefixes = cache.register("rprefix",
                new EtcdPrefixType(client, options));
        for (int i = 0; i < KEYS; i++) {
            String key = ns + "k" + i;
            written.add(key);
            keyWatches.put(key, WatchRecorder.watchKey(keys, key, "k" + i));
        }
        for (int p = 0; p < PREFIXES; p++) {
            String prefix = ns + "p" + p + "/";
            for (int i = 0; i < KEYS_PER_PREFIX; i++) {
                written.add(prefix + i);
            }
            WatchRecorder<PrefixSnapshot> watch = new WatchRecorder<>(s -> Long.toString(s.revision()));
            prefixWatches.put(prefix, watch);
            prefixes.watch(EtcdRequest.of(prefix), "p" + p, watch);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        cache.close();
        client.close();
        cluster.ensureAllRunning();
    }

    @Test
    void aRollingRestartWithSigtermIsQuietAndLosesNothing() throws Exception {
        rollingRestart(member -> member.terminate());
    }

    @Test
    void aRollingRestartWithSigkillIsQuietAndLosesNothing() throws Exception {
        rollingRestart(member -> member.kill());
    }

    interface Fault {
        void apply(EtcdCluster.Member member) throws Exception;
    }

    private void rollingRestart(Fault stop) throws Exception {
        try (KeyWriter writer = new KeyWriter(cluster.endpoints(), written)) {
            writer.writeAll(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> allDelivered(writer));
            int linesBefore = CapturedLogs.lines().size();
            double failoversBefore = failovers();

            Sampler sampler = new Sampler();
            Thread writes = writeContinuously(writer, sampler);
            try {
                for (EtcdCluster.Member member : cluster.members()) {
                    stop.apply(member);
                    Thread.sleep(DOWN.toMillis());
                    member.start();
                    // The member catches up before the next one goes, as an operator's script waits for.
                    awaitCaughtUp(member);
                }
            } finally {
                sampler.stop = true;
                writes.join(TimeUnit.MINUTES.toMillis(2));
            }
            assertThat(sampler.failure.get()).as("writer").isNull();

            await().atMost(Duration.ofSeconds(30)).until(() -> allDelivered(writer));
            assertEveryValueIsEtcdsAndInOrder();
            List<String> lines = CapturedLogs.lines().subList(linesBefore, CapturedLogs.lines().size());
            assertThat(lines).as("WARN lines during the rolling restart")
                    .noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
            assertThat(lines).as("contact lines").noneMatch(l -> l.contains("contact for key"));
            for (WatchRecorder<?> watch : recorders()) {
                assertThat(watch.errors()).as("error events delivered to a listener").isEmpty();
            }
            assertThat(sampler.worstFlagged).as("entries flagged at any sample").isZero();
            assertThat(sampler.sawDown).as("health DOWN at any sample").isFalse();
            assertThat(failovers() - failoversBefore).as("failovers counted").isGreaterThanOrEqualTo(1);
            assertThat(registry.get("watchcache.etcd.watches.recreating").tag("type", "rkey").gauge().value())
                    .isZero();
            // The two types share their client's streams: each type's gauge shows all of its watches.
            assertThat(registry.get("watchcache.etcd.watches").tag("type", "rkey").gauge().value())
                    .isEqualTo(KEYS + PREFIXES);
        }
    }

    /** Samples flags and health every 100 ms while the writer runs. */
    private final class Sampler {
        volatile boolean stop;
        volatile double worstFlagged;
        volatile boolean sawDown;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        void sample() {
            double flagged = registry.get("watchcache.lost.contact").tag("type", "rkey").gauge().value()
                    + registry.get("watchcache.lost.contact").tag("type", "rprefix").gauge().value();
            worstFlagged = Math.max(worstFlagged, flagged);
            sawDown |= !health.health().getStatus().equals(Status.UP);
        }
    }

    /** Waits until {@code member} serves, from its own store, the revision the cluster has now. */
    private void awaitCaughtUp(EtcdCluster.Member member) throws Exception {
        long revision = client.client().getKVClient().get(bytes(written.get(0))).get(20, TimeUnit.SECONDS)
                .getHeader().getRevision();
        try (Client local = Client.builder().endpoints(member.endpoint()).build()) {
            GetOption serializable = GetOption.builder().withSerializable(true).withCountOnly(true).build();
            await().atMost(Duration.ofSeconds(30)).until(() -> local.getKVClient().get(bytes(written.get(0)),
                    serializable).get(5, TimeUnit.SECONDS).getHeader().getRevision() >= revision);
        }
    }

    /** Puts the next value to one key after another, about 20 a second, until the sampler stops. */
    private Thread writeContinuously(KeyWriter writer, Sampler sampler) {
        Thread thread = new Thread(() -> {
            long round = 1;
            try {
                while (!sampler.stop) {
                    for (int i = 0; i < written.size() && !sampler.stop; i++) {
                        writer.write(written.get(i), round);
                        sampler.sample();
                        Thread.sleep(50);
                    }
                    round++;
                }
            } catch (Throwable e) {
                sampler.failure.set(e);
            }
        }, "rolling-restart-writer");
        thread.start();
        return thread;
    }

    private boolean allDelivered(KeyWriter writer) {
        for (Map.Entry<String, WatchRecorder<Optional<String>>> watch : keyWatches.entrySet()) {
            if (!writer.latest(watch.getKey()).equals(watch.getValue().last())) {
                return false;
            }
        }
        for (Map.Entry<String, WatchRecorder<PrefixSnapshot>> watch : prefixWatches.entrySet()) {
            PrefixSnapshot last = lastSnapshot(watch.getValue());
            if (last == null) {
                return false;
            }
            for (int i = 0; i < KEYS_PER_PREFIX; i++) {
                String key = watch.getKey() + i;
                if (!writer.latest(key).equals(last.get(key))) {
                    return false;
                }
            }
        }
        return true;
    }

    private void assertEveryValueIsEtcdsAndInOrder() throws Exception {
        for (Map.Entry<String, WatchRecorder<Optional<String>>> watch : keyWatches.entrySet()) {
            String etcd = client.client().getKVClient().get(bytes(watch.getKey())).get(10, TimeUnit.SECONDS).getKvs()
                    .get(0).getValue().toString(StandardCharsets.UTF_8);
            assertThat(watch.getValue().last()).as("final value of " + watch.getKey()).isEqualTo(etcd);
            watch.getValue().assertOrdered(Long::parseLong);
        }
        for (WatchRecorder<PrefixSnapshot> watch : prefixWatches.values()) {
            // Each snapshot at a newer revision than the one before: nothing repeated or reordered.
            watch.assertOrdered(Long::parseLong);
        }
    }

    private PrefixSnapshot lastSnapshot(WatchRecorder<PrefixSnapshot> watch) {
        return watch.lastValue();
    }

    private List<WatchRecorder<?>> recorders() {
        List<WatchRecorder<?>> all = new ArrayList<>(keyWatches.values());
        all.addAll(prefixWatches.values());
        return all;
    }

    private double failovers() {
        return registry.find("watchcache.etcd.stream.failovers").functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
