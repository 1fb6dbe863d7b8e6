package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The long-lived watch of each entry against a real etcd member: one stream however many
 * changes, streams released on etcd when entries go, idle streams kept healthy by progress
 * requests, prefix deltas, large values and large prefixes.
 */
@ExtendWith(EtcdExtension.class)
class EtcdWatchStreamTest {

    private final String ns = "stream-" + UUID.randomUUID() + "/";
    private EtcdCluster.Member etcd;
    private EtcdConnection client;
    private Client writer;
    private KV kv;
    private WatchCache cache;
    private TypedCache<CacheRequest, Optional<String>> keys;
    private EtcdKeyType keyType;
    private TypedCache<CacheRequest, PrefixSnapshot> prefixes;

    @BeforeEach
    void setUp(EtcdCluster.Member etcd) throws Exception {
        this.etcd = etcd;
        etcd.start();
        client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()));
        writer = Client.builder().endpoints(etcd.endpoint()).build();
        kv = writer.getKVClient();
        cache = new WatchCache(CacheOptions.builder().backoffMaxWait(Duration.ofMillis(500)).build());
        EtcdTypeOptions options = EtcdTypeOptions.builder().endpoints(List.of(etcd.endpoint()))
                .progressInterval(Duration.ofMillis(500)).progressTimeout(Duration.ofSeconds(2)).build();
        keyType = new EtcdKeyType(client, options);
        keys = cache.register("key", keyType);
        prefixes = cache.register("prefix", new EtcdPrefixType(client, options));
    }

    @AfterEach
    void tearDown() {
        cache.close();
        client.close();
        writer.close();
    }

    /**
     * One of etcd's counts once it has stopped moving (the same in two reads 300 ms apart): an
     * earlier test's streams end on etcd a little after its client closed, and one still ending
     * must not be taken into this test's baseline.
     */
    private static long settled(Callable<Long> count) {
        long[] last = {-1};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            long now = count.call();
            boolean same = now == last[0];
            last[0] = now;
            return same;
        });
        return last[0];
    }

    @Test
    void aThousandChangesOfOneWatchedKeyUseOneStreamAndNoReads() throws Exception {
        put("hot", "0");
        WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("<absent>"));
        keys.watch(EtcdRequest.of(ns + "hot"), "hot", watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> "0".equals(watch.last()));
        long watchersBefore = LiveObjects.count(LiveObjects.JETCD_WATCHER);
        long rpcsBefore = etcd.rangeAndWatchRpcs();

        for (int i = 1; i <= 1000; i++) {
            put("hot", Integer.toString(i));
            String expected = Integer.toString(i);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> expected.equals(
                    watch.last()));
        }

        // Every change delivered once, in order: the writer waited for each.
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= 1000; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(watch.values()).isEqualTo(expected);
        watch.assertOrdered(Long::parseLong);
        assertThat(watch.errors()).isEmpty();
        assertThat(etcd.watchStreams()).as("open watch streams on etcd").isLessThanOrEqualTo(5);
        assertThat(etcd.rangeAndWatchRpcs() - rpcsBefore).as("Range and Watch RPCs for 1,000 changes")
                .isLessThanOrEqualTo(5);
        assertThat(LiveObjects.count(LiveObjects.JETCD_WATCHER)).as("live jetcd watchers")
                .isLessThanOrEqualTo(watchersBefore);
    }

    @Test
    void closingTheCacheReleasesEveryStreamOnEtcd() throws Exception {
        long before = settled(etcd::watchStreams);
        long watchersBefore = settled(etcd::watchers);
        List<WatchRecorder<Optional<String>>> watches = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            put("c" + i, "v");
            WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("<absent>"));
            watches.add(watch);
            keys.watch(EtcdRequest.of(ns + "c" + i), "c" + i, watch);
        }
        // A watch opens once the first value is in and the entry waits for a change; the twenty
        // share one stream.
        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchers() >= watchersBefore + 20);
        assertThat(etcd.watchStreams()).isEqualTo(before + 1);

        cache.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() <= before
                && etcd.watchers() <= watchersBefore);
    }

    @Test
    void twoThousandWatchedKeysShareTwentyStreamsAndEachChangeReachesOnlyItsEntry() throws Exception {
        long before = settled(etcd::watchStreams);
        int n = 2_000;
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            puts.add(kv.put(bytes(ns + "many/" + i), bytes("v0")));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            String key = ns + "many/" + i;
            keys.watch(EtcdRequest.of(key), key, event -> seen.computeIfAbsent(event.correlationId(),
                    k -> new CopyOnWriteArrayList<>()).add(event.value() == null ? "<error>"
                    : event.value().orElse("<absent>")));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == n
                && cache.snapshot().watches().size() == n && etcd.watchers() >= n);
        assertThat(etcd.watchStreams() - before).as("streams for 2,000 watches").isLessThanOrEqualTo(20);
        // One timer task per stream (its health check) and one for every waiting fetch's deadline,
        // not one per watch: a few dozen at most, whatever other tests of this JVM left running.
        assertThat(EtcdTimer.queued()).as("tasks on the etcd timer with 2,000 watches").isLessThan(100);

        // Every 40th key changes twice; every change reaches that key's watch, in order, and no other.
        for (int round = 1; round <= 2; round++) {
            for (int i = 0; i < n; i += 40) {
                put("many/" + i, "v" + round);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.get(ns + "many/0").size() == 3
                && seen.get(ns + "many/" + (n - 40)).size() == 3);
        // Nothing more arrives: no key hears another's change, none hears one twice.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> seen.get(ns + "many/0")
                .size() == 3 && seen.get(ns + "many/1").size() == 1);
        for (int i = 0; i < n; i++) {
            List<String> values = seen.get(ns + "many/" + i);
            assertThat(values).as("key %d", i).isEqualTo(i % 40 == 0 ? List.of("v0", "v1", "v2") : List.of("v0"));
        }
    }

    @Test
    void evictingOneOfSeveralEntriesCancelsItsWatchNotTheStream() throws Exception {
        long streams = etcd.watchStreams();
        long watchers = etcd.watchers();
        for (String k : List.of("s1", "s2", "s3")) {
            put(k, "v");
            keys.get(EtcdRequest.of(ns + k));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchers() == watchers + 3);
        assertThat(etcd.watchStreams()).isEqualTo(streams + 1);
        String id = cache.snapshot().entries().stream().filter(e -> e.key().equals(ns + "s2"))
                .map(CacheSnapshot.EntryView::id).findFirst().orElseThrow();

        assertThat(cache.evict(id)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchers() == watchers + 2);
        assertThat(etcd.watchStreams()).isEqualTo(streams + 1);
        // The others still follow their keys.
        put("s3", "w");
        await().atMost(Duration.ofSeconds(10)).until(() -> keys.get(EtcdRequest.of(ns + "s3")).value()
                .equals(Optional.of("w")));
    }

    @Test
    void oneStreamPerWatchWhenAskedFor() throws Exception {
        EtcdTypeOptions own = EtcdTypeOptions.builder().endpoints(List.of(etcd.endpoint())).watchesPerStream(1)
                .build();
        TypedCache<CacheRequest, Optional<String>> separate = cache.register("separate", new EtcdKeyType(client, own));
        long before = settled(etcd::watchStreams);
        for (int i = 0; i < 5; i++) {
            put("own" + i, "v");
            separate.get(EtcdRequest.of(ns + "own" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() == before + 5);
    }

    @Test
    void evictingAnEntryReleasesItsStream() throws Exception {
        put("e", "v");
        long before = settled(etcd::watchStreams);
        keys.get(EtcdRequest.of(ns + "e"));
        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() == before + 1);
        String id = cache.snapshot().entries().stream().filter(e -> e.key().equals(ns + "e"))
                .map(CacheSnapshot.EntryView::id).findFirst().orElseThrow();

        assertThat(cache.evict(id)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() == before);
    }

    @Test
    void anIdleWatchStaysHealthyOnProgressAnswers() throws Exception {
        put("idle", "v");
        WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("<absent>"));
        keys.watch(EtcdRequest.of(ns + "idle"), "idle", watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.size() == 1);
        long rpcs = etcd.rangeAndWatchRpcs();

        // Silent stretches without a change: each asks the member for progress, and it answers.
        long asked = keyType.streams().progressRequests();
        await().atMost(Duration.ofSeconds(15)).until(() -> keyType.streams().progressRequests() >= asked + 6);

        assertThat(watch.errors()).isEmpty();
        assertThat(cache.snapshot().entries()).allMatch(e -> e.lostContact() == null && e.lastError() == null);
        assertThat(etcd.rangeAndWatchRpcs()).as("no stream was replaced").isEqualTo(rpcs);
        put("idle", "w");
        await().atMost(Duration.ofSeconds(10)).until(() -> "w".equals(watch.last()));
    }

    @Test
    void aPrefixValueSaysWhichKeysChanged() throws Exception {
        put("p/a", "1");
        put("p/b", "1");
        List<PrefixSnapshot> values = watchPrefix(EtcdRequest.of(ns + "p/"), "p");
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 1);
        assertThat(values.get(0).changes().added()).containsExactly(ns + "p/a", ns + "p/b");

        put("p/c", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 2);
        put("p/a", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 3);
        kv.delete(bytes(ns + "p/b")).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 4);

        assertThat(values.get(1).changes()).isEqualTo(changes(List.of(ns + "p/c"), List.of(), List.of()));
        assertThat(values.get(2).changes()).isEqualTo(changes(List.of(), List.of(ns + "p/a"), List.of()));
        assertThat(values.get(3).changes()).isEqualTo(changes(List.of(), List.of(), List.of(ns + "p/b")));
        assertThat(values.get(3).entries()).containsOnlyKeys(ns + "p/a", ns + "p/c").containsEntry(ns + "p/a", "2");
        // Against an older value than the one before, the delta is a diff of the entries.
        assertThat(values.get(3).changesSince(values.get(1)))
                .isEqualTo(changes(List.of(), List.of(ns + "p/a"), List.of(ns + "p/b")));
        assertThat(values.get(3).changesSince(values.get(2))).isSameAs(values.get(3).changes());
        assertThat(values).extracting(PrefixSnapshot::revision).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void deletingAWatchedPrefixDeliversAnEmptyValueWithEveryKeyRemoved() throws Exception {
        for (int i = 0; i < 5; i++) {
            put("gone/" + i, "v");
        }
        List<PrefixSnapshot> values = watchPrefix(EtcdRequest.of(ns + "gone/"), "gone");
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 1);

        kv.delete(bytes(ns + "gone/"), DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 2);
        assertThat(values.get(1).entries()).isEmpty();
        assertThat(values.get(1).changes().removed()).hasSize(5);
        assertThat(values.get(1).revision()).isGreaterThan(values.get(0).revision());
        assertThat(prefixes.get(EtcdRequest.of(ns + "gone/")).value().entries()).isEmpty();
    }

    /** Puts {@code size} keys under {@code ns + "big/"}, 500 in flight at a time. */
    private void fillBigPrefix(int size) throws Exception {
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            puts.add(kv.put(bytes(ns + "big/" + i), bytes("v" + i)));
            if (puts.size() == 500) {
                CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                puts.clear();
            }
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aBurstOfPutsUnderATenThousandKeyPrefixReachesTheListenerPromptly() throws Exception {
        fillBigPrefix(10_000);
        List<Long> lagsNanos = new CopyOnWriteArrayList<>();
        List<PrefixSnapshot> values = new CopyOnWriteArrayList<>();
        prefixes.watch(EtcdRequest.of(ns + "big/"), "burst", e -> {
            if (e.error() != null) {
                return;
            }
            long now = System.nanoTime();
            PrefixSnapshot value = e.value();
            values.add(value);
            PrefixSnapshot.Changes changes = value.changesSince(e.previousValue());
            for (String key : changes.updated()) {
                String written = value.get(key);
                if (written.startsWith("t")) {
                    lagsNanos.add(now - Long.parseLong(written.substring(1)));
                }
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> values.size() == 1);
        PrefixSnapshot first = values.get(0);

        // 1,000 puts a second for 3 s, each value the time it was sent.
        int puts = 3_000;
        long start = System.nanoTime();
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        for (int i = 0; i < puts; i++) {
            long due = start + TimeUnit.MILLISECONDS.toNanos(i);
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            inFlight.add(kv.put(bytes(ns + "big/" + (i * 7919 % 10_000)), bytes("t" + System.nanoTime())));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        String lastKey = ns + "big/" + ((puts - 1) * 7919 % 10_000);
        String lastValue = writer.getKVClient().get(bytes(lastKey)).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().toString(StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).until(() -> lastValue.equals(values.get(values.size() - 1)
                .get(lastKey)));

        long worstMs = TimeUnit.NANOSECONDS.toMillis(lagsNanos.stream().mapToLong(Long::longValue).max().orElseThrow());
        assertThat(lagsNanos).hasSizeGreaterThan(100);
        // A guard, not a benchmark (the figure is benchmarks/run.sh --only etcd-prefix): a copy of
        // the prefix per change was 8-11 s behind here; 2.4 s was seen on a CI machine busy with
        // another build, so the bound leaves room for a loaded machine.
        assertThat(worstMs).as("slowest put -> listener, ms").isLessThan(5_000);
        // Values are persistent: the first one handed out is as it was.
        assertThat(first.size()).isEqualTo(10_000);
        assertThat(first.get(ns + "big/0")).isEqualTo("v0");
    }

    @Test
    void aTenThousandKeyPrefixDeliversOneWriteAsAOneKeyDelta() throws Exception {
        fillBigPrefix(10_000);
        List<PrefixSnapshot> values = watchPrefix(EtcdRequest.of(ns + "big/"), "big");
        await().atMost(Duration.ofSeconds(30)).until(() -> values.size() == 1);
        assertThat(values.get(0).size()).isEqualTo(10_000);
        long rpcs = etcd.rangeAndWatchRpcs();

        put("big/4242", "changed");

        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 2);
        PrefixSnapshot after = values.get(1);
        assertThat(after.size()).isEqualTo(10_000);
        assertThat(after.get(ns + "big/4242")).isEqualTo("changed");
        assertThat(after.changes()).isEqualTo(changes(List.of(), List.of(ns + "big/4242"), List.of()));
        assertThat(etcd.rangeAndWatchRpcs()).as("no read and no new stream for a change").isEqualTo(rpcs);
    }

    @Test
    void aHundredOneMebibyteValuesPassThroughASmallHeap() throws Exception {
        // The suite's JVM runs with -Xmx256m (see the pom): a leaked copy per change would not fit.
        assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(300L * 1024 * 1024);
        WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.map(s -> s.substring(0, 8)).orElse("-"));
        put("large", "00000000");
        keys.watch(EtcdRequest.of(ns + "large"), "large", watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.size() == 1);

        for (int i = 1; i <= 100; i++) {
            String head = String.format("%08d", i);
            put("large", head + String.valueOf((char) ('a' + i % 26)).repeat(1024 * 1024 - 8));
            await().atMost(Duration.ofSeconds(20)).until(() -> head.equals(watch.last()));
        }

        assertThat(watch.size()).isEqualTo(101);
        watch.assertOrdered(Long::parseLong);
        assertThat(watch.errors()).isEmpty();
        Result<Optional<String>> last = keys.get(EtcdRequest.of(ns + "large"));
        assertThat(last.value().orElseThrow()).hasSize(1024 * 1024).startsWith("00000100");
    }

    @Test
    void aCompactionAndDefragmentationMidWatchLoseNothing() throws Exception {
        put("c", "0");
        WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("-1"));
        keys.watch(EtcdRequest.of(ns + "c"), "c", watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.size() == 1);
        // A burst, a compaction up to its end, and a defragmentation of the member.
        for (int i = 1; i <= 50; i++) {
            put("c", Integer.toString(i));
        }
        long revision = kv.get(bytes(ns + "c")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        kv.compact(revision).get(10, TimeUnit.SECONDS);
        writer.getMaintenanceClient().defragmentMember(etcd.endpoint()).get(30, TimeUnit.SECONDS);
        put("c", "51");

        await().atMost(Duration.ofSeconds(20)).until(() -> "51".equals(watch.last()));
        watch.assertOrdered(Long::parseLong);
    }

    /** Watches a prefix; the list fills with every value delivered without error. */
    private List<PrefixSnapshot> watchPrefix(EtcdRequest prefix, String correlationId) {
        List<PrefixSnapshot> values = new CopyOnWriteArrayList<>();
        prefixes.watch(prefix, correlationId, e -> {
            if (e.error() == null) {
                values.add(e.value());
            }
        });
        return values;
    }

    private static PrefixSnapshot.Changes changes(List<String> added, List<String> updated, List<String> removed) {
        return new PrefixSnapshot.Changes(new TreeSet<>(added), new TreeSet<>(updated),
                new TreeSet<>(removed));
    }

    private void put(String key, String value) throws Exception {
        kv.put(bytes(ns + key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
