package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared watch streams on their own, against a real etcd: what happens to the other watches
 * of a stream when one of them is cancelled by a compaction, watches re-created after their
 * stream failed, and a stream through etcd's authentication.
 */
@ExtendWith(EtcdExtension.class)
class WatchStreamsTest {

    private final String ns = "streams-" + UUID.randomUUID() + "/";

    @Test
    void aCompactionCancelsOnlyTheWatchesBehindItTheOthersOnTheStreamGoOn(EtcdCluster.Member etcd) throws Exception {
        etcd.start();
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            KV kv = client.client().getKVClient();
            long old = kv.put(bytes(ns + "a"), bytes("a1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            long now = 0;
            for (int i = 0; i < 5; i++) {
                now = kv.put(bytes(ns + "b"), bytes("b" + i)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            }
            kv.compact(now).get(10, TimeUnit.SECONDS);
            WatchStreams streams = new WatchStreams(new EtcdCalls(client), EtcdTypeOptions.builder().build());
            long streamsBefore = etcd.watchStreams();

            // Two watches from before the compaction, one from now, all on one stream.
            HeardWatch behindA = new HeardWatch();
            HeardWatch behindB = new HeardWatch();
            HeardWatch current = new HeardWatch();
            List<WatchStreams.Handle> handles = new ArrayList<>();
            handles.add(streams.watch(ns + "a", false, old, 0, behindA));
            handles.add(streams.watch(ns + "b", false, current(now), 0, current));
            handles.add(streams.watch(ns + "b", false, old, 0, behindB));

            await().atMost(Duration.ofSeconds(10)).until(() -> behindA.compacted && behindB.compacted
                    && current.created);
            assertThat(etcd.watchStreams()).isEqualTo(streamsBefore + 1);
            assertThat(current.failures).isEmpty();

            // The stream still serves the watch that was not behind.
            kv.put(bytes(ns + "b"), bytes("after")).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> current.values.contains("after"));
            assertThat(current.values).containsExactly("after");
            assertThat(streams.watchCount()).isEqualTo(1);

            handles.forEach(WatchStreams.Handle::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() == streamsBefore);
            assertThat(streams.streamCount()).isZero();
        }
    }

    @Test
    void aFailedStreamReCreatesEachWatchFromItsOwnNextRevisionLosingAndRepeatingNothing(EtcdCluster.Member etcd)
            throws Exception {
        etcd.start();
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            KV kv = client.client().getKVClient();
            long from = kv.put(bytes(ns + "x"), bytes("x0")).get(10, TimeUnit.SECONDS).getHeader().getRevision() + 1;
            WatchStreams streams = new WatchStreams(new EtcdCalls(client), EtcdTypeOptions.builder().build());
            HeardWatch x = new HeardWatch();
            HeardWatch y = new HeardWatch();
            try (WatchStreams.Handle watchX = streams.watch(ns + "x", false, from, 0, x);
                 WatchStreams.Handle watchY = streams.watch(ns + "y", false, from, 0, y)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> x.created && y.created);
                kv.put(bytes(ns + "x"), bytes("x1")).get(10, TimeUnit.SECONDS);
                kv.put(bytes(ns + "y"), bytes("y1")).get(10, TimeUnit.SECONDS);
                kv.put(bytes(ns + "x"), bytes("x2")).get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> x.values.size() == 2 && y.values.size() == 1);
                x.created = false;
                y.created = false;

                etcd.kill();
                await().atMost(Duration.ofSeconds(10)).until(() -> !x.failures.isEmpty() && !y.failures.isEmpty());
                etcd.start();
                // Written as soon as etcd is back, maybe before the watches are: they must still see it.
                kv.put(bytes(ns + "y"), bytes("y2")).get(10, TimeUnit.SECONDS);
                kv.put(bytes(ns + "x"), bytes("x3")).get(10, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(15)).until(() -> x.values.size() >= 3 && y.values.size() >= 2
                        && x.created && y.created);
                assertThat(x.values).containsExactly("x1", "x2", "x3");
                assertThat(y.values).containsExactly("y1", "y2");
                assertThat(x.failures).hasSize(1);
                assertThat(y.failures).hasSize(1);
                // Told once the grace was over, with how long ago the stream failed.
                assertThat(x.silences.get(0)).isGreaterThanOrEqualTo(EtcdTypeOptions.DEFAULT_FAILOVER_GRACE);
                assertThat(x.compacted || y.compacted).isFalse();
                assertThat(streams.streamCount()).isOne();
                assertThat(streams.waitingCount()).isZero();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() == 0);
            assertThat(streams.streamCount()).isZero();
        }
    }

    @Test
    void aStreamWhoseWatchesAreConfirmedAgainWithinTheGraceIsAFailoverTheWatchesNeverHearOf(EtcdCluster.Member etcd)
            throws Exception {
        etcd.start();
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            KV kv = client.client().getKVClient();
            long from = kv.put(bytes(ns + "f"), bytes("f0")).get(10, TimeUnit.SECONDS).getHeader().getRevision() + 1;
            // Long enough for the only member to come back: a restart of it is then a failover.
            WatchStreams streams = new WatchStreams(new EtcdCalls(client),
                    EtcdTypeOptions.builder().failoverGrace(Duration.ofSeconds(20)).build());
            HeardWatch f = new HeardWatch();
            HeardWatch g = new HeardWatch();
            try (WatchStreams.Handle watchF = streams.watch(ns + "f", false, from, 0, f);
                 WatchStreams.Handle watchG = streams.watch(ns + "g", false, from, 0, g)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> f.created && g.created);
                kv.put(bytes(ns + "f"), bytes("f1")).get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> f.values.size() == 1);
                f.created = false;
                g.created = false;

                // SIGTERM: etcd shuts down in order, as an upgrade does.
                etcd.terminate();
                await().atMost(Duration.ofSeconds(10)).until(() -> streams.recreatingCount() == 2);
                etcd.start();
                kv.put(bytes(ns + "g"), bytes("g1")).get(10, TimeUnit.SECONDS);
                kv.put(bytes(ns + "f"), bytes("f2")).get(10, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(15)).until(() -> f.values.size() >= 2 && g.values.size() >= 1
                        && f.created && g.created);
                assertThat(f.values).containsExactly("f1", "f2");
                assertThat(g.values).containsExactly("g1");
                assertThat(f.failures).as("interruptions told to f").isEmpty();
                assertThat(g.failures).as("interruptions told to g").isEmpty();
                assertThat(streams.recreatingCount()).isZero();
                long counted = 0;
                for (WatchStreams.Reason reason : WatchStreams.Reason.values()) {
                    counted += streams.failovers(reason);
                }
                assertThat(counted).as("failovers counted").isOne();
                assertThat(streams.failovers(WatchStreams.Reason.SHUTDOWN)).as("counted as a shutdown").isOne();
            }
        }
    }

    @Test
    void idleStreamsOnOneMemberCostOneProgressRequestPerIntervalAndAllFailWhenItFreezes(EtcdCluster.Member etcd)
            throws Exception {
        etcd.start();
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            // 20 streams of 10 watches, all on the one member.
            WatchStreams streams = new WatchStreams(new EtcdCalls(client), EtcdTypeOptions.builder()
                    .watchesPerStream(10).failoverGrace(Duration.ofMillis(500)).build());
            List<HeardWatch> heard = new ArrayList<>();
            List<WatchStreams.Handle> handles = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                HeardWatch h = new HeardWatch();
                heard.add(h);
                handles.add(streams.watch(ns + "idle" + i, false, 0, 0, h));
            }
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> heard.stream().allMatch(h -> h.created));
                assertThat(streams.streamCount()).isEqualTo(20);
                long before = streams.progressRequests();

                // Idle for three progress intervals: one request per interval for the member, not
                // one per stream (20 streams would send about 60).
                Thread.sleep(3 * EtcdTypeOptions.DEFAULT_PROGRESS_INTERVAL.toMillis() + 1_000);
                long sent = streams.progressRequests() - before;
                assertThat(sent).as("progress requests while idle").isBetween(1L, 6L);
                assertThat(heard).allSatisfy(h -> assertThat(h.failures).isEmpty());

                // A frozen member answers nothing: every one of its streams fails, within the bound.
                etcd.stop();
                long frozen = System.nanoTime();
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> heard.stream().allMatch(h -> !h.failures.isEmpty()));
                assertThat(Duration.ofNanos(System.nanoTime() - frozen)).isLessThan(Duration.ofSeconds(12));
                assertThat(heard.get(0).failures.get(0)).hasMessageContaining("did not answer a progress request");
                heard.forEach(h -> h.created = false);
                etcd.cont();
                await().atMost(Duration.ofSeconds(30)).until(() -> heard.stream().allMatch(h -> h.created));
            } finally {
                handles.forEach(WatchStreams.Handle::close);
                etcd.cont();
            }
        }
    }

    @Test
    void watchesOnASharedStreamCarryTheClientsCredentials(EtcdCluster.Member etcd) throws Exception {
        etcd.start();
        ByteSequence root = bytes("root");
        ByteSequence password = bytes("pw-" + UUID.randomUUID());
        try (Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            admin.getAuthClient().userAdd(root, password).get(10, TimeUnit.SECONDS);
            // The root role may exist already (etcd versions differ); it only has to exist.
            admin.getAuthClient().roleAdd(root).handle((r, e) -> r).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().userGrantRole(root, root).get(10, TimeUnit.SECONDS);
            admin.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
        }
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint())
                .user(root).password(password));
             EtcdConnection anonymous = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            WatchStreams streams = new WatchStreams(new EtcdCalls(client), EtcdTypeOptions.builder().build());
            HeardWatch heard = new HeardWatch();
            WatchStreams.Handle handle = streams.watch(ns + "secure", false, 0, 0, heard);
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.created);
            client.client().getKVClient().put(bytes(ns + "secure"), bytes("authenticated")).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.values.contains("authenticated"));
            assertThat(heard.failures).isEmpty();
            handle.close();

            // Without credentials the same watch is refused: the stream did use the client's.
            HeardWatch refused = new HeardWatch();
            WatchStreams anonymousStreams = new WatchStreams(new EtcdCalls(anonymous),
                    EtcdTypeOptions.builder().build());
            try (WatchStreams.Handle anonymousWatch = anonymousStreams.watch(ns + "secure", false, 0, 0, refused)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !refused.failures.isEmpty());
                assertThat(refused.created).isFalse();
            }
        } finally {
            try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint())
                    .user(root).password(password))) {
                client.client().getAuthClient().authDisable().get(10, TimeUnit.SECONDS);
            }
            // With auth off, a token is refused: the rest without one.
            try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
                client.client().getAuthClient().userDelete(root).get(10, TimeUnit.SECONDS);
                client.client().getAuthClient().roleDelete(root).handle((r, e) -> r).get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static long current(long revision) {
        return revision + 1;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
