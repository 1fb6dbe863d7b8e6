package io.watchcache.bench;

import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import io.watchcache.WatchCache;
import io.watchcache.etcd.EtcdCluster;
import io.watchcache.etcd.EtcdConnection;
import io.watchcache.etcd.EtcdKeyType;
import io.watchcache.etcd.EtcdPrefixType;
import io.watchcache.etcd.EtcdRequest;
import io.watchcache.etcd.EtcdTypeOptions;
import io.watchcache.etcd.KeyWriter;
import io.watchcache.etcd.PrefixSnapshot;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * An etcd rolling restart as an operator runs one for an upgrade: each of three members stopped
 * in turn (SIGTERM, or SIGKILL), down for a while, started again, while 100 keys are watched
 * through a key type (two watches each) and a prefix type (5 prefixes of 20 keys) and written at
 * about 20 puts a second. Counts what users and operators would see: error events delivered to
 * listeners, WARN lines the library logs, the longest any watch showed an old value, put to
 * listener latency, and the failovers the cache counted.
 */
final class EtcdRollingScenario {

    static final int KEYS = 100;
    static final int GROUPS = 5;

    /**
     * @param putToListenerP99Ms from the start of a put to its listener, over the puts etcd
     *                           answered within {@link #PROMPT_ACK} (a put that waited on the
     *                           client's own retry to a stopped member measures jetcd, not us)
     * @param slowPuts           the puts left out of that figure
     */
    record Rolling(int watches, int entries, long errorEvents, long warnLines, double maxStalenessS,
                   double putToListenerP50Ms, double putToListenerP99Ms, double putAckP99Ms, long slowPuts,
                   double failovers, long writes) {
    }

    static final Duration PROMPT_ACK = Duration.ofMillis(100);

    private EtcdRollingScenario() {
    }

    /**
     * @param kill  SIGKILL instead of SIGTERM
     * @param grace the types' failover grace ({@code Duration.ZERO}: every stream failure is
     *              reported, as before the grace existed)
     */
    static Rolling run(EtcdCluster cluster, boolean kill, Duration down, Duration grace) throws Exception {
        String ns = "bench-rolling/" + System.nanoTime() + "/";
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(ns + "g" + (i % GROUPS) + "/k" + i);
        }
        Map<String, AtomicReference<String>> delivered = new ConcurrentHashMap<>();
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        Map<String, Long> promptPuts = new ConcurrentHashMap<>();
        LongSamples acks = new LongSamples();
        AtomicLong slowPuts = new AtomicLong();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WarnCounter warns = WarnCounter.install();
        int watches = 0;
        try (EtcdConnection client = EtcdConnection.of(
                Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)));
             WatchCache cache = new WatchCache(CacheOptions.builder().meterRegistry(registry).build());
             KeyWriter writer = new KeyWriter(cluster.endpoints(), keys)) {
            EtcdTypeOptions options = EtcdTypeOptions.builder().failoverGrace(grace).build();
            TypedCache<CacheRequest, Optional<String>> keyType = cache.register("key",
                    new EtcdKeyType(client, options));
            TypedCache<CacheRequest, PrefixSnapshot> prefixType = cache.register("prefix",
                    new EtcdPrefixType(client, options));
            for (String key : keys) {
                AtomicReference<String> seen = new AtomicReference<>();
                delivered.put(key, seen);
                for (int w = 0; w < 2; w++) {
                    boolean timed = w == 0;
                    Consumer<UpdateEvent<Optional<String>>> listener = e -> {
                        if (e.error() != null) {
                            errors.incrementAndGet();
                        } else if (timed && e.value() != null && e.value().isPresent()) {
                            seen.set(e.value().get());
                            if (measuring.get()) {
                                arrived.putIfAbsent(key + "@" + e.value().get(), System.nanoTime());
                            }
                        }
                    };
                    keyType.watch(EtcdRequest.of(key), "k" + w, listener);
                    watches++;
                }
            }
            for (int g = 0; g < GROUPS; g++) {
                prefixType.watch(EtcdRequest.of(ns + "g" + g + "/"), "g" + g, e -> {
                    if (e.error() != null) {
                        errors.incrementAndGet();
                    }
                });
                watches++;
            }
            writer.writeAll(0);
            awaitDelivered(writer, delivered);
            long warnsBefore = warns.count();
            long errorsBefore = errors.get();
            measuring.set(true);

            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicLong worstStaleNanos = new AtomicLong();
            // Stopped by a flag between puts, never interrupted inside one: an abandoned put can
            // still commit, and the writer would not know the value every watch then shows.
            AtomicBoolean stop = new AtomicBoolean();
            Thread writes = new Thread(() -> {
                long round = 1;
                try {
                    while (!stop.get()) {
                        for (String key : keys) {
                            if (stop.get()) {
                                break;
                            }
                            long started = System.nanoTime();
                            writer.write(key, round);
                            long ack = System.nanoTime() - started;
                            acks.add(ack);
                            if (ack <= PROMPT_ACK.toNanos()) {
                                promptPuts.put(key + "@" + round, started);
                            } else {
                                slowPuts.incrementAndGet();
                            }
                            long stale = (long) (writer.worstUnflaggedStalenessS(k -> delivered.get(k).get(),
                                    k -> false) * 1e9);
                            worstStaleNanos.accumulateAndGet(stale, Math::max);
                            Thread.sleep(50);
                        }
                        round++;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "rolling-writer");
            writes.start();
            for (EtcdCluster.Member member : cluster.members()) {
                if (kill) {
                    member.kill();
                } else {
                    member.terminate();
                }
                Thread.sleep(down.toMillis());
                member.start();
                Thread.sleep(2_000);
            }
            stop.set(true);
            writes.join(TimeUnit.MINUTES.toMillis(2));
            if (writes.isAlive()) {
                throw new IllegalStateException("the writer did not stop within 2 minutes");
            }
            if (failed.get() != null) {
                throw new IllegalStateException("the writer failed", failed.get());
            }
            awaitDelivered(writer, delivered);
            LongSamples latency = new LongSamples();
            promptPuts.forEach((put, started) -> {
                Long at = arrived.get(put);
                if (at != null) {
                    latency.add(Math.max(0, at - started));
                }
            });
            double failovers = registry.find("watchcache.etcd.stream.failovers").functionCounters().stream()
                    .mapToDouble(c -> c.count()).sum();
            return new Rolling(watches, KEYS + GROUPS, errors.get() - errorsBefore, warns.count() - warnsBefore,
                    worstStaleNanos.get() / 1e9, latency.percentile(50) / 1e6, latency.percentile(99) / 1e6,
                    acks.percentile(99) / 1e6, slowPuts.get(), failovers, writer.writes());
        } finally {
            warns.uninstall();
        }
    }

    /** Waits up to a minute for every timed watch to show the last value written to its key. */
    private static void awaitDelivered(KeyWriter writer, Map<String, AtomicReference<String>> delivered)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!writer.allDelivered(k -> delivered.get(k).get())) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not every watch showed the last value within a minute: "
                        + writer.lagging(k -> delivered.get(k).get()));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Counts the WARN lines the library logs (slf4j-simple writes them to {@code System.err},
     * looked up on every line), passing every line through.
     */
    static final class WarnCounter extends OutputStream {
        private final PrintStream original;
        private final AtomicLong count = new AtomicLong();
        private final StringBuilder line = new StringBuilder();

        private WarnCounter(PrintStream original) {
            this.original = original;
        }

        static WarnCounter install() {
            WarnCounter counter = new WarnCounter(System.err);
            System.setErr(new PrintStream(counter, true, StandardCharsets.UTF_8));
            return counter;
        }

        void uninstall() {
            System.setErr(original);
        }

        long count() {
            return count.get();
        }

        @Override
        public synchronized void write(int b) {
            original.write(b);
            if (b == '\n') {
                String text = line.toString();
                if (text.contains(" WARN io.watchcache")) {
                    count.incrementAndGet();
                }
                line.setLength(0);
            } else if (line.length() < 200) {
                line.append((char) b);
            }
        }

        @Override
        public void flush() {
            original.flush();
        }
    }
}
