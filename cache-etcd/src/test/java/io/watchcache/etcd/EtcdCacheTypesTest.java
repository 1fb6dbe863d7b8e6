package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.Result;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The etcd types against a real etcd process started on loopback by {@link EtcdExtension}. */
@ExtendWith(EtcdExtension.class)
class EtcdCacheTypesTest {

    private final String ns = "test-" + UUID.randomUUID() + "/";
    private EtcdConnection client;
    private KV kv;
    private WatchCache cache;
    private TypedCache<CacheRequest, Optional<String>> keys;
    private TypedCache<CacheRequest, PrefixSnapshot> prefixes;
    private EtcdTypeOptions options;

    @BeforeEach
    void setUp(EtcdCluster.Member etcd) throws Exception {
        etcd.start(); // in case a previous test killed it
        client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()));
        kv = client.client().getKVClient();
        options = EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(2)).endpoints(List.of(etcd.endpoint()))
                .build();
        cache = new WatchCache(CacheOptions.builder().backoffMaxWait(Duration.ofMillis(500)).build());
        // Short blocking queries, so that the tests also cover the timeout path.
        RegisterOptions overrides = RegisterOptions.builder().supportsBlocking(true).refresh(true)
                .queryTimeout(Duration.ofSeconds(3)).build();
        keys = cache.register("key", new EtcdKeyType(client, options), overrides);
        prefixes = cache.register("prefix", new EtcdPrefixType(client, options), overrides);
    }

    @AfterEach
    void tearDown() {
        cache.close();
        client.close();
    }

    private void put(String key, String value) throws Exception {
        kv.put(bytes(ns + key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private EtcdRequest key(String key) {
        return EtcdRequest.of(ns + key);
    }

    @Test
    void aFetchAskedForAsAStageAnswersAChangeAndItsCancelEndsOnlyThatWait() throws Exception {
        // The cache fetches through the callback form; the stage form serves other callers.
        put("staged", "v1");
        EtcdKeyType type = new EtcdKeyType(client, options);
        FetchResult<Optional<String>> first = type.fetchAsync(new FetchOptions<>(0, Duration.ofSeconds(5), null),
                key("staged")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(first.value()).contains("v1");

        CompletableFuture<FetchResult<Optional<String>>> next = type.fetchAsync(
                new FetchOptions<>(first.index(), Duration.ofSeconds(30), first), key("staged")).toCompletableFuture();
        Thread.sleep(200);
        assertThat(next).isNotDone();
        put("staged", "v2");
        FetchResult<Optional<String>> changed = next.get(10, TimeUnit.SECONDS);
        assertThat(changed.value()).contains("v2");
        assertThat(changed.index()).isGreaterThan(first.index());
        assertThat(changed.state()).isSameAs(first.state());

        FetchOptions<Optional<String>> afterChange =
                new FetchOptions<>(changed.index(), Duration.ofSeconds(30), changed);
        CompletableFuture<FetchResult<Optional<String>>> cancelled =
                type.fetchAsync(afterChange, key("staged")).toCompletableFuture();
        assertThat(cancelled.cancel(true)).isTrue();
        // The range's watch goes on: the next wait on it hears the next change.
        CompletableFuture<FetchResult<Optional<String>>> after =
                type.fetchAsync(afterChange, key("staged")).toCompletableFuture();
        put("staged", "v3");
        assertThat(after.get(10, TimeUnit.SECONDS).value()).contains("v3");
        ((AutoCloseable) changed.state()).close();
    }

    @Test
    void theKeyAndPrefixTypesOfOneClientShareTheirWatchStreams(EtcdCluster.Member etcd) throws Exception {
        long before = etcd.watchStreams();
        List<String> heard = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.watch(key("shared" + i), "k" + i, e -> heard.add("k"));
            prefixes.watch(key("sharedp" + i + "/"), "p" + i, e -> heard.add("p"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() >= 40);
        // 40 watches of two types: one stream on etcd, not one per type.
        await().atMost(Duration.ofSeconds(10)).until(() -> etcd.watchStreams() - before == 1);
        assertThat(etcd.watchers()).isGreaterThanOrEqualTo(40);
        EtcdKeyType keyType = new EtcdKeyType(client, options);
        EtcdPrefixType prefixType = new EtcdPrefixType(client, options);
        assertThat(keyType.streams()).isSameAs(prefixType.streams());
        // Other stream options: streams of their own on the same client.
        assertThat(new EtcdKeyType(client, EtcdTypeOptions.builder().watchesPerStream(5).build()).streams())
                .isNotSameAs(keyType.streams());
    }

    @Test
    void getReadsTheCurrentValueAndAnAbsentKeyAsEmpty() throws Exception {
        put("a", "1");

        Result<Optional<String>> present = keys.get(key("a"));
        Result<Optional<String>> absent = keys.get(key("missing"));

        assertThat(present.value()).contains("1");
        assertThat(present.meta().index()).isGreaterThan(1);
        assertThat(absent.value()).isEmpty();
        assertThat(keys.get(key("a")).meta().hit()).isTrue();
    }

    @Test
    void aBlockingGetIsWokenByAPut() throws Exception {
        put("a", "1");
        long index = keys.get(key("a")).meta().index();

        CompletableFuture<Result<Optional<String>>> waiting = keys.getAsync(key("a").blockingAfter(index,
                Duration.ofSeconds(30)));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        put("a", "2");

        Result<Optional<String>> woken = waiting.get(10, TimeUnit.SECONDS);
        assertThat(woken.value()).contains("2");
        assertThat(woken.meta().index()).isGreaterThan(index);
    }

    @Test
    void aTimedOutBlockingGetReturnsTheCurrentValueWithoutError() throws Exception {
        put("a", "1");
        long index = keys.get(key("a")).meta().index();

        long start = System.nanoTime();
        Result<Optional<String>> result = keys.get(key("a").blockingAfter(index, Duration.ofSeconds(1)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(result.value()).contains("1");
        assertThat(result.meta().index()).isEqualTo(index);
    }

    @Test
    void aDeleteIsAChange() throws Exception {
        put("a", "1");
        List<UpdateEvent<Optional<String>>> events = new CopyOnWriteArrayList<>();
        keys.watch(key("a"), "a", events::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);

        kv.delete(bytes(ns + "a")).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertThat(events.get(1).value()).isEmpty();
        assertThat(events.get(1).meta().index()).isGreaterThan(events.get(0).meta().index());
    }

    @Test
    void prefixSeesPutsAndDeletesUnderItButNotUnrelatedWrites() throws Exception {
        put("p/x", "1");
        List<UpdateEvent<PrefixSnapshot>> events = new CopyOnWriteArrayList<>();
        prefixes.watch(key("p/"), "p", events::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        long index = events.get(0).meta().index();

        for (int i = 0; i < 50; i++) {
            put("other/" + i, "noise");
            put("pp", "also noise, a sibling of the prefix p/");
        }
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> events.size() == 1);
        assertThat(prefixes.get(key("p/")).meta().index()).isEqualTo(index);

        put("p/y", "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertThat(events.get(1).value().entries()).containsEntry(ns + "p/x", "1").containsEntry(ns + "p/y", "2");

        // Deleting the newest key lowers the newest mod revision; the index must still move forward.
        kv.delete(bytes(ns + "p/y")).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
        assertThat(events.get(2).value().entries()).containsOnlyKeys(ns + "p/x");
        assertThat(events.get(2).meta().index()).isGreaterThan(events.get(1).meta().index());
    }

    @Test
    void everyWatcherEndsOnTheFinalValueOfABurstOfAThousandWrites() throws Exception {
        put("burst", "start");
        List<List<UpdateEvent<Optional<String>>>> seen = new ArrayList<>();
        List<Subscription> subscriptions = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            List<UpdateEvent<Optional<String>>> events = new CopyOnWriteArrayList<>();
            seen.add(events);
            subscriptions.add(keys.watch(key("burst"), "w" + w, events::add));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().allMatch(v -> !v.isEmpty()));

        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            writes.add(kv.put(bytes(ns + "burst"), bytes("v" + i)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        // Concurrent puts commit in etcd's order, not ours: the final value is whatever etcd has now.
        var last = kv.get(bytes(ns + "burst")).get(10, TimeUnit.SECONDS).getKvs().get(0);
        String finalValue = last.getValue().toString(StandardCharsets.UTF_8);

        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream()
                .allMatch(v -> v.get(v.size() - 1).value().equals(Optional.of(finalValue))));
        for (List<UpdateEvent<Optional<String>>> events : seen) {
            // Intermediate values may be skipped (a watch delivers the latest), never reordered.
            List<Long> indexes = events.stream().map(e -> e.meta().index()).toList();
            assertThat(indexes).isSorted().doesNotHaveDuplicates();
            assertThat(indexes.get(indexes.size() - 1)).isEqualTo(last.getModRevision());
        }
        subscriptions.forEach(Subscription::cancel);
    }

    @Test
    void aCompactionMidWatchDoesNotLoseTheLatestValue() throws Exception {
        put("c", "0");
        List<String> values = new CopyOnWriteArrayList<>();
        keys.watch(key("c"), "c", e -> values.add(e.value().orElse("<absent>")));
        await().atMost(Duration.ofSeconds(10)).until(() -> values.size() == 1);

        for (int i = 1; i <= 20; i++) {
            put("c", "" + i);
        }
        long revision = kv.get(bytes(ns + "c")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        kv.compact(revision).get(10, TimeUnit.SECONDS);
        put("c", "final");

        await().atMost(Duration.ofSeconds(20)).until(() -> values.get(values.size() - 1).equals("final"));
    }

    @Test
    void watchersConvergeOnTheFinalValueAfterEtcdIsKilledAndRestarted(EtcdCluster.Member etcd) throws Exception {
        put("r", "before");
        List<List<String>> seen = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            List<String> values = new CopyOnWriteArrayList<>();
            seen.add(values);
            keys.watch(key("r"), "w" + w, e -> {
                if (e.error() == null) {
                    values.add(e.value().orElse("<absent>"));
                }
            });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().allMatch(v -> v.contains("before")));

        etcd.kill();
        // While etcd is down the refresh fails and the entry reports lost contact.
        await().atMost(Duration.ofSeconds(30)).until(() -> cache.snapshot().entries().stream()
                .anyMatch(e -> e.lostContact() != null));
        etcd.start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            put("r", "after");
            return true;
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> seen.stream()
                .allMatch(v -> v.get(v.size() - 1).equals("after")));
        await().atMost(Duration.ofSeconds(30)).until(() -> cache.snapshot().entries().stream()
                .allMatch(e -> e.lostContact() == null));
    }

    @Test
    void anUnreachableEtcdIsAnError() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try (EtcdConnection dead = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:" + deadPort));
             WatchCache isolated = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, Optional<String>> isolatedKeys = isolated.register("key", new EtcdKeyType(dead,
                    EtcdTypeOptions.builder().requestTimeout(Duration.ofSeconds(1))
                            .endpoints(List.of("http://127.0.0.1:" + deadPort)).build()));

            assertThatThrownBy(() -> isolatedKeys.get(EtcdRequest.of("x")))
                    .isInstanceOf(FetchFailedException.class);
        }
    }
}
