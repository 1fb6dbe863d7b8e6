package io.watchcache.bench;

import com.sun.management.OperatingSystemMXBean;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.etcd.EtcdCluster;
import io.watchcache.etcd.EtcdConnection;
import io.watchcache.etcd.EtcdKeyType;
import io.watchcache.etcd.EtcdPrefixType;
import io.watchcache.etcd.EtcdRequest;
import io.watchcache.etcd.EtcdTypeOptions;
import io.watchcache.etcd.KeyWriter;
import io.watchcache.etcd.LiveObjects;
import io.watchcache.etcd.PrefixSnapshot;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Scenarios against real etcd members on loopback (started with {@link EtcdCluster}, as the
 * tests do): open watch streams and RPCs per change, heap growth under a soak, staleness while
 * a member is frozen, recovery after a full-cluster restart, and configuration changes reaching
 * the Environment of an application that imports a prefix.
 */
final class EtcdScenarios {

    private EtcdScenarios() {
    }

    record Leak(long changes, long delivered, long watchStreams, long rangeAndWatchRpcs, long liveJetcdWatchers) {

        double rpcsPerChange() {
            return delivered == 0 ? Double.NaN : (double) rangeAndWatchRpcs / delivered;
        }
    }

    /** One watched key through {@code changes} sequential puts on one member. */
    static Leak leak(EtcdCluster.Member etcd, int changes) throws Exception {
        String key = "bench-leak/" + System.nanoTime();
        try (Client writer = Client.builder().endpoints(etcd.endpoint()).build();
             EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()));
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, Optional<String>> keyCache = cache.register("key", new EtcdKeyType(client));
            KV kv = writer.getKVClient();
            put(kv, key, "v0");
            AtomicLong events = new AtomicLong();
            AtomicReference<String> last = new AtomicReference<>();
            Subscription watch = keyCache.watch(EtcdRequest.of(key), "leak", e -> {
                if (e.error() == null) {
                    events.incrementAndGet();
                    last.set(e.value().orElse(null));
                }
            });
            awaitTrue(Duration.ofSeconds(30), () -> "v0".equals(last.get()));
            long rpcsBefore = etcd.rangeAndWatchRpcs();
            long eventsBefore = events.get();
            for (int i = 1; i <= changes; i++) {
                // One change at a time, each seen by the watch before the next: the cost of a change.
                String value = "v" + i;
                put(kv, key, value);
                awaitTrue(Duration.ofSeconds(30), () -> value.equals(last.get()));
            }
            Thread.sleep(1000);
            long rpcs = etcd.rangeAndWatchRpcs() - rpcsBefore;
            long delivered = events.get() - eventsBefore;
            long streams = etcd.watchStreams();
            long watchers = LiveObjects.count(LiveObjects.JETCD_WATCHER);
            watch.cancel();
            return new Leak(changes, delivered, streams, rpcs, watchers);
        }
    }

    record Soak(double heapGrowthMibPerHour, double firstMib, double lastMib, long writes, Duration duration) {
    }

    /**
     * {@code keys} watched keys and {@code prefixes} watched prefixes (one watch each) under a
     * steady {@code writesPerSecond} to random watched keys; the slope of the heap after GC.
     */
    static Soak soak(EtcdCluster.Member etcd, int keys, int prefixes, int writesPerSecond, Duration duration,
                     Duration sampleEvery) throws Exception {
        String ns = "bench-soak/" + System.nanoTime() + "/";
        try (Client writer = Client.builder().endpoints(etcd.endpoint()).build();
             EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()));
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, Optional<String>> keyCache = cache.register("key", new EtcdKeyType(client));
            TypedCache<CacheRequest, PrefixSnapshot> prefixCache = cache.register("prefix", new EtcdPrefixType(client));
            KV kv = writer.getKVClient();
            List<String> writable = new ArrayList<>();
            List<Subscription> watches = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                String key = ns + "k" + i;
                writable.add(key);
                watches.add(keyCache.watch(EtcdRequest.of(key), "k" + i, e -> { }));
            }
            for (int p = 0; p < prefixes; p++) {
                String prefix = ns + "p" + p + "/";
                for (int k = 0; k < 4; k++) {
                    writable.add(prefix + k);
                }
                watches.add(prefixCache.watch(EtcdRequest.of(prefix), "p" + p, e -> { }));
            }
            // A 1 KiB value: large enough that a leaked copy per change shows.
            String payload = "x".repeat(1024);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long nextSample = start + sampleEvery.toNanos();
            long writes = 0;
            List<double[]> samples = new ArrayList<>();
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / writesPerSecond;
            long nextWrite = start;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (now >= nextWrite) {
                    String key = writable.get(ThreadLocalRandom.current().nextInt(writable.size()));
                    kv.put(bytes(key), bytes(payload + writes));
                    writes++;
                    nextWrite += intervalNanos;
                }
                if (now >= nextSample) {
                    samples.add(new double[] {(now - start) / 1e9, usedHeapMibAfterGc()});
                    nextSample += sampleEvery.toNanos();
                }
                long sleep = Math.min(nextWrite, nextSample) - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
            watches.forEach(Subscription::cancel);
            // The first sample still holds the warm-up (class loading, pools filling): leave it out.
            List<double[]> steady = samples.size() > 3 ? samples.subList(1, samples.size()) : samples;
            double slopeMibPerSecond = slope(steady);
            return new Soak(slopeMibPerSecond * 3600, steady.get(0)[1], steady.get(steady.size() - 1)[1], writes,
                    duration);
        }
    }

    record Frozen(double maxStalenessS, double convergeAfterThawS, double recoveryAfterFullRestartS, long writes) {
    }

    /**
     * Three members, {@code keys} watched keys written every second each, default backoff
     * settings. One follower is frozen (SIGSTOP) for {@code freeze}; the figure is the longest
     * time any watch showed an old value, flagged as lost contact or not. Then the member is
     * thawed, and later all three are stopped (SIGTERM) for {@code outage} and restarted: the time from the
     * cluster answering again until every watch has the value written after the restart.
     */
    static Frozen frozenMember(EtcdCluster cluster, int keys, Duration freeze, Duration outage) throws Exception {
        String ns = "bench-frozen/" + System.nanoTime() + "/";
        try (EtcdConnection client = EtcdConnection.of(
                Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, Optional<String>> keyCache = cache.register("key", new EtcdKeyType(client));
            Map<String, AtomicReference<String>> delivered = new ConcurrentHashMap<>();
            List<String> keyNames = watchKeys(keyCache, ns, keys, delivered);
            awaitTrue(Duration.ofSeconds(30), () -> delivered.values().stream().allMatch(r -> r.get() == null)
                    && cache.snapshot().entries().stream().filter(e -> e.valid()).count() == keys);

            int frozen = followerIndex(cluster);
            List<String> healthy = new ArrayList<>(cluster.endpoints());
            healthy.remove(frozen);
            KeyWriter writer = new KeyWriter(healthy, keyNames);
            writer.writeAll(0);
            awaitTrue(Duration.ofSeconds(30), () -> writer.allDelivered(k -> delivered.get(k).get()));

            cluster.member(frozen).stop();
            // Flagged or not: with two members answering, every watch should find one.
            double worst = writer.writeEverySecondMeasuring(freeze, k -> delivered.get(k).get(), () -> k -> false);
            cluster.member(frozen).cont();
            writer.writeAll(writer.lastRound() + 1);
            long thawed = System.nanoTime();
            awaitTrue(Duration.ofSeconds(120), () -> writer.allDelivered(k -> delivered.get(k).get()));
            double converge = (System.nanoTime() - thawed) / 1e9;
            writer.close();

            // SIGTERM, as an orderly restart of the whole cluster does (etcd ends its streams first).
            for (EtcdCluster.Member member : cluster.members()) {
                member.terminate();
            }
            Thread.sleep(outage.toMillis());
            cluster.ensureAllRunning();
            KeyWriter after = new KeyWriter(cluster.endpoints(), keyNames);
            // From the first write the restarted cluster commits: it answers from then on.
            after.writeAll(writer.lastRound() + 1);
            long answering = after.firstCommitNanos();
            awaitTrue(Duration.ofSeconds(180), () -> after.allDelivered(k -> delivered.get(k).get()));
            double recovery = (System.nanoTime() - answering) / 1e9;
            after.close();
            return new Frozen(worst, converge, recovery, writer.writes() + after.writes());
        }
    }

    record ContactProbe(int keys, int lostContact, double clearedAfterRestartS, double longestEpisodeS) {
    }

    /**
     * {@code keys} quiet watched keys on three members; the member serving the most of their
     * streams is killed for {@code down} and restarted. Nothing is written. The figure is the time
     * from the restart until no entry is flagged as lost contact (0 when none is flagged by then);
     * beside it, how many entries lost contact and the longest an entry stayed flagged.
     */
    static ContactProbe contactProbe(EtcdCluster cluster, int keys, Duration down) throws Exception {
        String ns = "bench-contact/" + System.nanoTime() + "/";
        try (EtcdConnection client = EtcdConnection.of(
                Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, Optional<String>> keyCache = cache.register("key", new EtcdKeyType(client));
            Map<String, AtomicReference<String>> delivered = new ConcurrentHashMap<>();
            List<String> keyNames = watchKeys(keyCache, ns, keys, delivered);
            try (KeyWriter writer = new KeyWriter(cluster.endpoints(), keyNames)) {
                writer.writeAll(0);
                awaitTrue(Duration.ofSeconds(30), () -> writer.allDelivered(k -> delivered.get(k).get()));
            }
            EtcdCluster.Member busiest = cluster.members().get(0);
            for (EtcdCluster.Member member : cluster.members()) {
                if (member.watchStreams() > busiest.watchStreams()) {
                    busiest = member;
                }
            }
            Map<String, Long> flaggedSince = new ConcurrentHashMap<>();
            Map<String, Long> longest = new ConcurrentHashMap<>();
            busiest.kill();
            long end = System.nanoTime() + down.toNanos();
            while (System.nanoTime() < end) {
                sampleFlags(cache, flaggedSince, longest);
                Thread.sleep(5);
            }
            busiest.start();
            long restarted = System.nanoTime();
            while (sampleFlags(cache, flaggedSince, longest) > 0) {
                if (System.nanoTime() - restarted > TimeUnit.MINUTES.toNanos(15)) {
                    throw new IllegalStateException("flags still up 15 minutes after the restart");
                }
                Thread.sleep(5);
            }
            double cleared = (System.nanoTime() - restarted) / 1e9;
            double longestS = longest.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e9;
            return new ContactProbe(keys, longest.size(), cleared, longestS);
        }
    }

    /** Parks, not spins, until {@code dueNanos}: a spinning writer would take one of the two cores from etcd. */
    private static void parkUntil(long dueNanos) {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    /** Samples which entries are flagged; returns how many are. */
    private static int sampleFlags(WatchCache cache, Map<String, Long> flaggedSince, Map<String, Long> longest) {
        long now = System.nanoTime();
        int flagged = 0;
        for (CacheSnapshot.EntryView entry : cache.snapshot().entries()) {
            if (entry.lostContact() != null) {
                flagged++;
                long since = flaggedSince.computeIfAbsent(entry.key(), k -> now);
                longest.merge(entry.key(), now - since, Math::max);
            } else {
                flaggedSince.remove(entry.key());
            }
        }
        return flagged;
    }

    private static List<String> watchKeys(TypedCache<CacheRequest, Optional<String>> keyCache, String ns, int keys,
                                          Map<String, AtomicReference<String>> delivered) {
        List<String> keyNames = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            String key = ns + "k" + i;
            keyNames.add(key);
            AtomicReference<String> seen = new AtomicReference<>();
            delivered.put(key, seen);
            keyCache.watch(EtcdRequest.of(key), "k" + i, e -> {
                if (e.error() == null) {
                    seen.set(e.value().orElse(null));
                }
            });
        }
        return keyNames;
    }

    /**
     * Put -> listener; beside it etcd's own share, put -> etcd's answer to the put, and ours,
     * etcd's answer -> listener (etcd sends the event as it answers the put; 0 when the event
     * came first).
     */
    record PrefixBurst(int keys, int puts, double p50Ms, double p99Ms, double maxMs, double putAckP99Ms,
                       double ackToListenerP99Ms) {
    }

    /**
     * A watched prefix of {@code keys} keys, then {@code perSecond} puts a second for {@code burst}
     * (after two seconds of the same, not measured) to keys under it, each value the time it was
     * sent: put -> listener, for every change the listener sees.
     */
    static PrefixBurst prefixBurst(EtcdCluster.Member etcd, int keys, int perSecond, Duration burst)
            throws Exception {
        String prefix = "bench-prefix/" + System.nanoTime() + "/";
        try (Client writer = Client.builder().endpoints(etcd.endpoint()).build();
             EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()));
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            KV kv = writer.getKVClient();
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                inFlight.add(kv.put(bytes(prefix + i), bytes("v")));
                if (inFlight.size() == 500) {
                    CompletableFuture.allOf(inFlight.toArray(
                            CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    inFlight.clear();
                }
            }
            TypedCache<CacheRequest, PrefixSnapshot> prefixCache = cache.register("prefix", new EtcdPrefixType(client));
            LongSamples lags = new LongSamples();
            LongSamples ours = new LongSamples();
            Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
            AtomicLong values = new AtomicLong();
            prefixCache.watch(EtcdRequest.of(prefix), "burst", e -> {
                if (e.error() != null) {
                    return;
                }
                long now = System.nanoTime();
                values.incrementAndGet();
                for (String key : e.value().changesSince(e.previousValue()).updated()) {
                    String written = e.value().get(key);
                    if (written.startsWith("t")) {
                        long sent = Long.parseLong(written.substring(1));
                        lags.add(now - sent);
                        Long acked = ackedAt.get(sent);
                        ours.add(acked == null ? 0 : Math.max(0, now - acked));
                    }
                }
            });
            awaitTrue(Duration.ofSeconds(60), () -> values.get() > 0);
            // Two seconds at the same rate first, not measured (their values start with "w"): the
            // figure is the steady state, not the JIT compiling the path during the first second.
            int warmUp = 2 * perSecond;
            long warmStart = System.nanoTime();
            for (int i = 0; i < warmUp; i++) {
                parkUntil(warmStart + i * (TimeUnit.SECONDS.toNanos(1) / perSecond));
                inFlight.add(kv.put(bytes(prefix + (i * 7919L % keys)), bytes("w" + i)));
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Thread.sleep(500);
            int puts = (int) (perSecond * burst.toSeconds());
            long start = System.nanoTime();
            long every = TimeUnit.SECONDS.toNanos(1) / perSecond;
            inFlight.clear();
            LongSamples acks = new LongSamples();
            for (int i = 0; i < puts; i++) {
                parkUntil(start + i * every);
                long sent = System.nanoTime();
                inFlight.add(kv.put(bytes(prefix + (i * 7919L % keys)), bytes("t" + sent))
                        .whenComplete((r, e) -> {
                            long now = System.nanoTime();
                            ackedAt.put(sent, now);
                            acks.add(now - sent);
                        }));
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            Thread.sleep(2000);
            return new PrefixBurst(keys, puts, lags.percentile(50) / 1e6, lags.percentile(99) / 1e6,
                    lags.percentile(100) / 1e6, acks.percentile(99) / 1e6, ours.percentile(99) / 1e6);
        }
    }

    record Fleet(int watches, int watchesPerStream, long streams, double progressRequestsPerS,
                 double etcdIdleCpuCorePct, double clientIdleCpuCorePct, double heapBytesPerKey, int threads,
                 int threadsAfterClose, double putToListenerP50Ms, double putToListenerP99Ms, long puts) {
    }

    /**
     * One client watching {@code watches} distinct keys (one watch each) on three members:
     * streams on etcd, what idle costs (progress requests, etcd's and the client's CPU over
     * the same window without watches), the client's heap per key and threads, then put ->
     * listener at {@code putsPerSecond} to random watched keys, and threads after close.
     */
    static Fleet fleet(EtcdCluster cluster, int watches, int watchesPerStream, Duration idle, int putsPerSecond,
                       Duration putFor) throws Exception {
        String ns = "bench-fleet/" + System.nanoTime() + "/";
        List<String> endpoints = cluster.endpoints();
        try (Client writer = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
            KV kv = writer.getKVClient();
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int i = 0; i < watches; i++) {
                inFlight.add(kv.put(bytes(ns + i), bytes("v")));
                if (inFlight.size() == 500) {
                    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    inFlight.clear();
                }
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long streamsBefore = sum(cluster, m -> m.watchStreams());
            // The same idle window with no watches: what etcd costs anyway.
            double etcdBaseline = etcdCpuSeconds(cluster);
            Thread.sleep(idle.toMillis());
            double baselinePct = (etcdCpuSeconds(cluster) - etcdBaseline) / idle.toSeconds() * 100;
            double heapBefore = usedHeapMibAfterGc();
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(endpoints.toArray(String[]::new)));
            WatchCache cache = new WatchCache(CacheOptions.defaults());
            int threads;
            long streams;
            double progressPerS;
            double etcdIdlePct;
            double clientIdlePct;
            double heapPerKey;
            LongSamples lags = new LongSamples();
            long puts;
            try {
                TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", new EtcdKeyType(client,
                        EtcdTypeOptions.builder().endpoints(endpoints)
                                .watchesPerStream(watchesPerStream).build()));
                AtomicLong first = new AtomicLong();
                for (int i = 0; i < watches; i++) {
                    keys.watch(EtcdRequest.of(ns + i), "k" + i, e -> {
                        if (e.error() != null) {
                            return;
                        }
                        String value = e.value().orElse("");
                        if (value.startsWith("t")) {
                            lags.add(System.nanoTime() - Long.parseLong(value.substring(1)));
                        } else {
                            first.incrementAndGet();
                        }
                    });
                }
                awaitTrue(Duration.ofSeconds(Math.max(120, watches / 500)), () -> first.get() >= watches);
                // Every watch created on etcd (each entry opens its watch once its first value is in).
                awaitTrue(Duration.ofSeconds(60), () -> sumUnchecked(cluster, m -> m.watchers()) >= watches);
                streams = sum(cluster, m -> m.watchStreams()) - streamsBefore;
                heapPerKey = (usedHeapMibAfterGc() - heapBefore) * 1024 * 1024 / watches;
                threads = ManagementFactory.getThreadMXBean().getThreadCount();
                // Idle: nothing is written; what the watches cost by themselves.
                double watchRequests = sumMetric(cluster, "grpc_server_msg_received_total", "grpc_method=\"Watch\"");
                double etcdCpu = etcdCpuSeconds(cluster);
                long clientCpu = processCpuNanos();
                Thread.sleep(idle.toMillis());
                progressPerS = (sumMetric(cluster, "grpc_server_msg_received_total", "grpc_method=\"Watch\"")
                        - watchRequests) / idle.toSeconds();
                etcdIdlePct = (etcdCpuSeconds(cluster) - etcdCpu) / idle.toSeconds() * 100 - baselinePct;
                clientIdlePct = (processCpuNanos() - clientCpu) / 1e9 / idle.toSeconds() * 100;
                puts = putsPerSecond * putFor.toSeconds();
                timedPuts(kv, ns, watches, putsPerSecond, puts);
            } finally {
                cache.close();
                client.close();
            }
            // Threads made since the client was, still there 10 s after close: the cache's and its
            // connection's, not the harness's own clients (the HTTP client that reads etcd's
            // metrics, the jetcd client that writes) nor gRPC's JVM-wide pool, whose idle threads
            // end after 60 s; those are named in the log line, not counted.
            long closed = System.nanoTime();
            List<String> left = new ArrayList<>();
            int threadsAfterClose;
            do {
                Thread.sleep(200);
                left.clear();
                threadsAfterClose = 0;
                for (Thread thread : Thread.getAllStackTraces().keySet()) {
                    if (!before.contains(thread)) {
                        left.add(thread.getName());
                        threadsAfterClose += harnessOrShared(thread.getName()) ? 0 : 1;
                    }
                }
            } while (threadsAfterClose > 0 && System.nanoTime() - closed < TimeUnit.SECONDS.toNanos(10));
            if (!left.isEmpty()) {
                System.err.println("[bench] threads made since the client and left 10 s after close ("
                        + threadsAfterClose + " counted): " + left);
            }
            return new Fleet(watches, watchesPerStream, streams, progressPerS, etcdIdlePct, clientIdlePct,
                    heapPerKey, threads, threadsAfterClose, lags.percentile(50) / 1e6, lags.percentile(99) / 1e6,
                    puts);
        }
    }

    record VersusRaw(int keys, long puts, double cacheP50Ms, double cacheP99Ms, double rawP50Ms, double rawP99Ms,
                     long cacheDelivered, long rawDelivered) {
        double p50Ratio() {
            return cacheP50Ms / rawP50Ms;
        }

        double p99Ratio() {
            return cacheP99Ms / rawP99Ms;
        }
    }

    /**
     * The floor any cache on etcd can reach: {@code keys} keys watched both by the cache (on
     * shared streams, its own client) and by plain jetcd watches (one stream each, another
     * client) in this JVM, then the same puts at {@code putsPerSecond} to random keys, each value
     * its send time: put -> listener for both.
     */
    static VersusRaw versusRawWatches(EtcdCluster cluster, int keys, int putsPerSecond, Duration putFor)
            throws Exception {
        String ns = "bench-raw/" + System.nanoTime() + "/";
        List<String> endpoints = cluster.endpoints();
        String[] targets = endpoints.toArray(String[]::new);
        LongSamples cacheLags = new LongSamples();
        LongSamples rawLags = new LongSamples();
        long puts = putsPerSecond * putFor.toSeconds();
        try (Client writer = Client.builder().endpoints(targets).build();
             EtcdConnection cacheClient = EtcdConnection.of(Client.builder().endpoints(targets));
             Client rawClient = Client.builder().endpoints(targets).build();
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            KV kv = writer.getKVClient();
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                inFlight.add(kv.put(bytes(ns + i), bytes("v")));
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            TypedCache<CacheRequest, Optional<String>> cached = cache.register("key", new EtcdKeyType(cacheClient,
                    EtcdTypeOptions.builder().endpoints(endpoints).build()));
            AtomicLong first = new AtomicLong();
            for (int i = 0; i < keys; i++) {
                cached.watch(EtcdRequest.of(ns + i), "k" + i, e -> {
                    if (e.error() == null) {
                        String value = e.value().orElse("");
                        if (value.startsWith("t")) {
                            cacheLags.add(System.nanoTime() - Long.parseLong(value.substring(1)));
                        } else {
                            first.incrementAndGet();
                        }
                    }
                });
            }
            List<Watch.Watcher> raw = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                raw.add(rawClient.getWatchClient().watch(bytes(ns + i), Watch.listener(response -> {
                    for (WatchEvent event : response.getEvents()) {
                        String value = event.getKeyValue().getValue().toString(StandardCharsets.UTF_8);
                        if (value.startsWith("t")) {
                            rawLags.add(System.nanoTime() - Long.parseLong(value.substring(1)));
                        }
                    }
                })));
            }
            awaitTrue(Duration.ofSeconds(120), () -> first.get() >= keys);
            awaitTrue(Duration.ofSeconds(60), () -> sumUnchecked(cluster, m -> m.watchers()) >= 2L * keys);
            Thread.sleep(2000);
            timedPuts(kv, ns, keys, putsPerSecond, puts);
            raw.forEach(Watch.Watcher::close);
        }
        return new VersusRaw(keys, puts, cacheLags.percentile(50) / 1e6, cacheLags.percentile(99) / 1e6,
                rawLags.percentile(50) / 1e6, rawLags.percentile(99) / 1e6, cacheLags.size(), rawLags.size());
    }

    /**
     * {@code puts} puts at {@code putsPerSecond} to random keys {@code ns + 0 .. keys - 1}, each
     * value {@code t} and its send time in nanoseconds; returns when etcd acknowledged all of them
     * and 2 s more have passed for the listeners.
     */
    private static void timedPuts(KV kv, String ns, int keys, int putsPerSecond, long puts) throws Exception {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        long start = System.nanoTime();
        long every = TimeUnit.SECONDS.toNanos(1) / putsPerSecond;
        for (long i = 0; i < puts; i++) {
            parkUntil(start + i * every);
            int key = ThreadLocalRandom.current().nextInt(keys);
            inFlight.add(kv.put(bytes(ns + key), bytes("t" + System.nanoTime())));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Thread.sleep(2000);
    }

    @FunctionalInterface
    private interface MemberFigure {
        long of(EtcdCluster.Member member) throws Exception;
    }

    private static long sum(EtcdCluster cluster, MemberFigure figure) throws Exception {
        long sum = 0;
        for (int i = 0; i < cluster.endpoints().size(); i++) {
            sum += figure.of(cluster.member(i));
        }
        return sum;
    }

    private static long sumUnchecked(EtcdCluster cluster, MemberFigure figure) {
        try {
            return sum(cluster, figure);
        } catch (Exception e) {
            return -1;
        }
    }

    private static double sumMetric(EtcdCluster cluster, String metric, String... labels) throws Exception {
        double sum = 0;
        for (int i = 0; i < cluster.endpoints().size(); i++) {
            sum += cluster.member(i).metric(metric, labels);
        }
        return sum;
    }

    private static double etcdCpuSeconds(EtcdCluster cluster) throws Exception {
        return sumMetric(cluster, "process_cpu_seconds_total");
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A member that is not the leader, so freezing it leaves the cluster serving. */
    record ConfigChange(int keys, int changes, double p50Ms, double p99Ms, double maxMs) {
    }

    /** The application of {@link #configChange}: nothing but the import. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ConfigApp {
    }

    /**
     * {@code spring.config.import=watchcache-etcd:config/bench/} over {@code keys} keys; then
     * {@code changes} puts, one key at a time, each timed from the put until the application's
     * {@code Environment} returns the new value.
     */
    static ConfigChange configChange(EtcdCluster.Member etcd, int keys, int changes) throws Exception {
        String prefix = "config/bench/";
        // One INFO line per change is right for an application, noise in a table of figures.
        System.setProperty("org.slf4j.simpleLogger.log.io.watchcache.etcd.config", "warn");
        try (EtcdConnection client = EtcdConnection.of(Client.builder().endpoints(etcd.endpoint()))) {
            KV kv = client.client().getKVClient();
            for (int i = 0; i < keys; i++) {
                put(kv, prefix + "bench.key" + i, "v0");
            }
            ConfigurableApplicationContext app = new SpringApplicationBuilder(ConfigApp.class)
                    .web(WebApplicationType.NONE).logStartupInfo(false)
                    .run("--spring.config.import=watchcache-etcd:" + prefix,
                            "--watchcache.etcd.endpoints=" + etcd.endpoint(), "--logging.level.root=WARN");
            try {
                Environment env = app.getEnvironment();
                LongSamples samples = new LongSamples();
                for (int c = 1; c <= changes; c++) {
                    String name = "bench.key" + (c * 7919 % keys);
                    String value = "v" + c;
                    long start = System.nanoTime();
                    put(kv, prefix + name, value);
                    awaitTrue(Duration.ofSeconds(10), () -> value.equals(env.getProperty(name)));
                    samples.add(System.nanoTime() - start);
                }
                return new ConfigChange(keys, changes, samples.percentile(50) / 1e6, samples.percentile(99) / 1e6,
                        samples.percentile(100) / 1e6);
            } finally {
                app.close();
            }
        }
    }

    private static int followerIndex(EtcdCluster cluster) throws Exception {
        for (int i = 0; i < cluster.members().size(); i++) {
            if (cluster.member(i).metric("etcd_server_is_leader") == 0) {
                return i;
            }
        }
        throw new IllegalStateException("no follower among " + cluster.members());
    }

    private static void put(KV kv, String key, String value) throws Exception {
        kv.put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        if (condition.getAsBoolean()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within " + timeout);
            }
            Thread.sleep(1);
        }
    }

    private static double usedHeapMibAfterGc() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /** Least-squares slope of y over x. */
    private static double slope(List<double[]> points) {
        double n = points.size();
        double sx = 0;
        double sy = 0;
        double sxy = 0;
        double sxx = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
            sxy += p[0] * p[1];
            sxx += p[0] * p[0];
        }
        double denominator = n * sxx - sx * sx;
        return denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
    }

    /** Threads of the harness's own clients, or of gRPC's JVM-wide pool (idle threads end after 60 s). */
    private static boolean harnessOrShared(String name) {
        return name.startsWith("HttpClient-") || name.startsWith("jetcd-pool-")
                || name.startsWith("grpc-default-executor-");
    }
}
