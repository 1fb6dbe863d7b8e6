package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consistent reads against a real three-member etcd cluster: read-your-writes, quiet keys, and a
 * linearizability check under no fault, a leader killed and a follower frozen.
 */
@ExtendWith(EtcdExtension.class)
@EtcdExtension.Members(3)
class EtcdConsistentReadTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    /** How long each linearizability variant runs; the 30 s with -Dwatchcache.linearizability.seconds=30. */
    private static final int SECONDS = Integer.getInteger("watchcache.linearizability.seconds", 8);

    /**
     * The checker's own check: with {@code WATCHCACHE_CONSISTENT_CONTROL=plain} every read here is
     * a plain one, and the tests must fail (they did: tens of thousands of reads older than an
     * acknowledged write in each linearizability variant).
     */
    private static final boolean CONTROL = "plain".equals(System.getenv("WATCHCACHE_CONSISTENT_CONTROL"));

    private final String ns = "consistent-" + UUID.randomUUID() + "/";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private EtcdCluster cluster;
    private EtcdConnection connection;
    private Client writer;
    private KV kv;
    private WatchCache cache;
    private TypedCache<CacheRequest, Optional<String>> keys;
    private TypedCache<CacheRequest, PrefixSnapshot> prefixes;

    @BeforeEach
    void setUp(EtcdCluster cluster) throws Exception {
        this.cluster = cluster;
        cluster.ensureAllRunning();
        connection = EtcdConnection.of(Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
        writer = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        kv = writer.getKVClient();
        cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
        EtcdTypeOptions options = EtcdTypeOptions.builder().endpoints(cluster.endpoints())
                .requestTimeout(Duration.ofSeconds(1)).build();
        keys = cache.register("key", new EtcdKeyType(connection, options));
        prefixes = cache.register("prefix", new EtcdPrefixType(connection, options));
    }

    @AfterEach
    void tearDown() throws Exception {
        cache.close();
        connection.close();
        writer.close();
        cluster.ensureAllRunning();
    }

    private long put(String key, String value) throws Exception {
        return kv.put(bytes(ns + key), bytes(value)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private CacheRequest consistent(String key) {
        RequestInfo info = RequestInfo.builder().key(ns + key).consistent(!CONTROL).timeout(READ_TIMEOUT).build();
        return () -> info;
    }

    private double gets(String type, String result) {
        return registry.counter("watchcache.gets", "type", type, "result", result).count();
    }

    @Test
    void aKeyReadConsistentlyRightAfterAWriteReturnsThatWrite1000TimesInARow() throws Exception {
        put("k", "v-start");
        keys.get(consistent("k"));
        for (int i = 0; i < 1_000; i++) {
            long revision = put("k", "v" + i);

            Result<Optional<String>> read = keys.get(consistent("k"));

            assertThat(read.value()).as("read %d", i).contains("v" + i);
            assertThat(read.meta().index()).isGreaterThanOrEqualTo(revision);
            assertThat(read.meta().consistent()).isTrue();
        }
        // Each read was answered by the entry (at once or once its watch caught up), none by a fallback.
        assertThat(gets("key", "consistent_hit") + gets("key", "consistent_wait")).isEqualTo(1_001);
        assertThat(gets("key", "consistent_fallback")).isZero();
    }

    @Test
    void aPrefixReadConsistentlyRightAfterAWriteOrDeleteShowsIt1000TimesInARow() throws Exception {
        put("p/a", "a");
        prefixes.get(consistent("p/"));
        for (int i = 0; i < 1_000; i++) {
            String key = "p/k" + (i % 7);
            boolean delete = i % 5 == 4;
            if (delete) {
                kv.delete(bytes(ns + key)).get(10, TimeUnit.SECONDS);
            } else {
                put(key, "v" + i);
            }

            PrefixSnapshot read = prefixes.get(consistent("p/")).value();

            if (delete) {
                assertThat(read.get(ns + key)).as("read %d", i).isNull();
            } else {
                assertThat(read.get(ns + key)).as("read %d", i).isEqualTo("v" + i);
            }
        }
        assertThat(gets("prefix", "consistent_fallback")).isZero();
    }

    @Test
    void aQuietKeyIsAnsweredWithinOneRoundTripNotAfterTheTimeout() throws Exception {
        put("quiet", "still");
        keys.get(consistent("quiet"));
        // Writes elsewhere move etcd's revision on, past everything the quiet key's watch has seen.
        for (int i = 0; i < 20; i++) {
            put("busy", "b" + i);
        }
        Thread.sleep(200);

        long start = System.nanoTime();
        Result<Optional<String>> read = keys.get(consistent("quiet"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(read.value()).contains("still");
        assertThat(read.meta().hit()).as("answered by the entry as it was").isTrue();
        assertThat(took).isLessThan(READ_TIMEOUT.dividedBy(2));
        assertThat(gets("key", "consistent_hit")).isEqualTo(2);
    }

    @Test
    void concurrentConsistentReadsOfOneKeyShareTheirReadsOfEtcd() throws Exception {
        put("shared", "s");
        keys.get(consistent("shared"));
        long before = ranges();
        int threads = 8;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        assertThat(keys.get(consistent("shared")).value()).contains("s");
                    }
                    return null;
                }));
            }
            for (Future<?> reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long ranges = ranges() - before;
        LoggerFactory.getLogger("io.watchcache.test").info("{} consistent reads of one key: {} Range RPCs",
                threads * each, ranges);
        // One summary in flight and one queued, not one per read (hedges may add a few).
        assertThat(ranges).isLessThan(threads * each * 3L / 4);
    }

    /** Range RPCs etcd's members have started. */
    private long ranges() throws Exception {
        long sum = 0;
        for (EtcdCluster.Member member : cluster.members()) {
            sum += (long) member.metric("grpc_server_started_total", "grpc_method=\"Range\"");
        }
        return sum;
    }

    @Test
    void linearizableWithoutFaults() throws Exception {
        checkLinearizability(null);
    }

    @Test
    void linearizableWhileTheLeaderIsKilledAndRestarted() throws Exception {
        checkLinearizability(Fault.KILL_LEADER);
    }

    @Test
    void linearizableWhileAFollowerIsFrozen() throws Exception {
        checkLinearizability(Fault.FREEZE_FOLLOWER);
    }

    private enum Fault { KILL_LEADER, FREEZE_FOLLOWER }

    /** A read that failed: when it started and ended, and why. */
    private record Failure(String key, long startNanos, long endNanos, String error) {
    }

    /**
     * 4 writers and 8 consistent readers on 50 keys: every read must show a revision at least that
     * of every write acknowledged before it started; a read that fails must fail within its
     * timeout, saying it was a consistent read.
     */
    private void checkLinearizability(Fault fault) throws Exception {
        LoggerFactory.getLogger("io.watchcache.test").info("==== linearizability, fault {}", fault);
        int keyCount = 50;
        for (int i = 0; i < keyCount; i++) {
            put("l" + i, "0");
        }
        LinearizabilityCheck check = new LinearizabilityCheck();
        ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(12);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(threads.submit(() -> {
                long n = 0;
                while (running.get()) {
                    String key = "l" + ThreadLocalRandom.current().nextInt(keyCount);
                    try {
                        long revision = kv.put(bytes(ns + key), bytes(Long.toString(n++))).get(5, TimeUnit.SECONDS)
                                .getHeader().getRevision();
                        check.wrote(key, System.nanoTime(), revision);
                    } catch (Exception e) {
                        // Not acknowledged: it constrains no read.
                    }
                }
                return null;
            }));
        }
        // Bounded, for a run against reads that are not consistent (the checker's own check): those are
        // hits at millions a second.
        AtomicInteger recorded = new AtomicInteger();
        for (int r = 0; r < 8; r++) {
            workers.add(threads.submit(() -> {
                while (running.get() && recorded.incrementAndGet() < 1_000_000) {
                    String key = "l" + ThreadLocalRandom.current().nextInt(keyCount);
                    long start = System.nanoTime();
                    try {
                        Result<Optional<String>> read = keys.get(consistent(key));
                        check.read(key, start, read.meta().index());
                    } catch (FetchFailedException e) {
                        failures.add(new Failure(key, start, System.nanoTime(), String.valueOf(e.getMessage())));
                    }
                }
                return null;
            }));
        }
        long third = TimeUnit.SECONDS.toMillis(SECONDS) / 3;
        Thread.sleep(third);
        EtcdCluster.Member faulty = null;
        if (fault == Fault.KILL_LEADER) {
            faulty = cluster.member(leaderIndex());
            faulty.kill();
        } else if (fault == Fault.FREEZE_FOLLOWER) {
            faulty = cluster.member((leaderIndex() + 1) % cluster.members().size());
            faulty.stop();
        }
        Thread.sleep(third);
        if (fault == Fault.KILL_LEADER) {
            faulty.start();
        } else if (fault == Fault.FREEZE_FOLLOWER) {
            faulty.cont();
        }
        Thread.sleep(third);
        running.set(false);
        for (Future<?> worker : workers) {
            worker.get(30, TimeUnit.SECONDS);
        }
        threads.shutdown();

        List<String> violations = check.violations();
        List<String> slowFailures = new ArrayList<>();
        for (Failure failure : failures) {
            long took = failure.endNanos() - failure.startNanos();
            if (took > READ_TIMEOUT.plusSeconds(2).toNanos() || !failure.error().contains("consistent read")) {
                slowFailures.add(failure + " took " + took / 1_000_000 + " ms");
            }
        }
        int answered = check.reads();
        int failed = failures.size();
        LoggerFactory.getLogger("io.watchcache.test").info("linearizability, fault {}: {} writes, {} reads answered,"
                + " {} failed, {} violations; fallbacks {}", fault, check.writes(), answered, failed, violations.size(),
                gets("key", "consistent_fallback"));
        assertThat(violations).as("reads older than a write acknowledged before they started").isEmpty();
        assertThat(slowFailures).as("failures past the timeout or without the reason").isEmpty();
        assertThat(answered).isGreaterThan(100);
        assertThat(check.writes()).isGreaterThan(100);
    }

    private int leaderIndex() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int i = 0; i < cluster.members().size(); i++) {
                if (cluster.member(i).isRunning() && cluster.member(i).metric("etcd_server_is_leader") == 1) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader among " + cluster.members());
    }
}
