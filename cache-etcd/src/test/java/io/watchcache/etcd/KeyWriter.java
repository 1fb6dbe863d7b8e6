package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheSnapshot;
import io.watchcache.WatchCache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Writes rounds of values to a set of keys (retrying through elections and outages) and
 * measures how long watches lag behind: the "unflagged staleness" of a key is how long its
 * watch has shown an older value than etcd's while its cache entry did not report lost
 * contact. Public, for the benchmarks too. Not thread-safe: one test thread drives it.
 */
public final class KeyWriter implements AutoCloseable {

    private final Client client;
    private final List<String> keys;
    private final Map<String, Long> latest = new HashMap<>();
    /** round -> when its writes were committed (nanoTime), key by key. */
    private final Map<String, Map<Long, Long>> committed = new HashMap<>();
    /** key -> when its entry was last seen flagged (nanoTime). */
    private final Map<String, Long> lastFlagged = new HashMap<>();
    private long writes;
    private long lastRound = -1;

    public KeyWriter(List<String> endpoints, List<String> keys) {
        this.client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        this.keys = List.copyOf(keys);
    }

    /**
     * Writes {@code round} (as the value) to every key, each exactly once: retried when a put
     * failed, but not when the failed put had committed after all.
     * Rounds must increase.
     */
    public void writeAll(long round) throws Exception {
        for (String key : keys) {
            put(key, Long.toString(round));
            writes++;
            latest.put(key, round);
            committed.computeIfAbsent(key, k -> new HashMap<>()).put(round, System.nanoTime());
        }
        lastRound = round;
    }

    /**
     * Writes {@code round} to {@code key} alone, exactly once (as {@link #writeAll} does for
     * every key); rounds must increase per key.
     */
    public void write(String key, long round) throws Exception {
        put(key, Long.toString(round));
        synchronized (this) {
            writes++;
            latest.put(key, round);
            committed.computeIfAbsent(key, k -> new HashMap<>()).put(round, System.nanoTime());
            lastRound = Math.max(lastRound, round);
        }
    }

    /** Continues the rounds of another writer: the next round written is {@code round + 1}. */
    public KeyWriter startAfter(long round) {
        lastRound = round;
        return this;
    }

    /** The last round written, -1 before any. */
    public long lastRound() {
        return lastRound;
    }

    /**
     * Writes the next round every second for {@code duration} while sampling, every 100 ms, how
     * long the watches lag without being flagged; returns the worst lag seen, in seconds.
     *
     * @param flagged read anew for each sample: which keys' entries report lost contact
     */
    public double writeEverySecondMeasuring(Duration duration, Function<String, String> delivered,
                                            Supplier<Predicate<String>> flagged) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        long nextRound = System.nanoTime();
        double worst = 0;
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextRound) {
                writeAll(lastRound + 1);
                nextRound += TimeUnit.SECONDS.toNanos(1);
            }
            worst = Math.max(worst, worstUnflaggedStalenessS(delivered, flagged.get()));
            Thread.sleep(100);
        }
        return worst;
    }

    /** Which keys' entries in {@code cache} report lost contact right now. */
    public static Predicate<String> lostContactIn(WatchCache cache) {
        Set<String> lost = new HashSet<>();
        for (CacheSnapshot.EntryView entry : cache.snapshot().entries()) {
            if (entry.lostContact() != null) {
                lost.add(entry.key());
            }
        }
        return lost::contains;
    }

    private void put(String key, String value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        boolean tried = false;
        while (true) {
            // One put at a time, waited for however long: the client queues it while no member
            // answers, and a second put beside it could commit the value twice (two changes).
            try {
                if (tried && value.equals(current(key))) {
                    return; // the failed attempt had committed after all
                }
                tried = true;
                client.getKVClient().put(bytes(key), bytes(value))
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private String current(String key) throws Exception {
        var kvs = client.getKVClient().get(bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    /** When the first put of this writer committed (nanoTime): the moment etcd answered it. */
    public long firstCommitNanos() {
        return committed.values().stream().flatMap(rounds -> rounds.values().stream()).min(Long::compare)
                .orElseThrow(() -> new IllegalStateException("nothing written yet"));
    }

    public long writes() {
        return writes;
    }

    public String latest(String key) {
        return Long.toString(latest.get(key));
    }

    /** Whether every watch shows the last value written to its key. */
    public boolean allDelivered(Function<String, String> delivered) {
        return keys.stream().allMatch(k -> latest(k).equals(delivered.apply(k)));
    }

    /**
     * The keys whose watch does not show the last value written (at most 10), each with the
     * value written, the value shown and etcd's value now: what a failed wait reports.
     */
    public String lagging(Function<String, String> delivered) throws Exception {
        StringBuilder out = new StringBuilder();
        int listed = 0;
        for (String key : keys) {
            String shown = delivered.apply(key);
            if (latest(key).equals(shown)) {
                continue;
            }
            if (listed++ == 10) {
                out.append(" ...");
                break;
            }
            out.append(listed == 1 ? "" : "; ").append(key).append(": written ").append(latest(key))
                    .append(", shown ").append(shown).append(", etcd has ").append(current(key));
        }
        return out.toString();
    }

    /**
     * The longest current unflagged staleness over all keys, in seconds: for each key whose
     * watch shows an older round than the last written, the time since the first round it has
     * not shown was committed, or since its entry was last seen flagged, whichever is later.
     * {@code delivered} gives the round a watch shows (as written), or null for none.
     */
    public double worstUnflaggedStalenessS(Function<String, String> delivered, Predicate<String> flagged) {
        double worst = 0;
        long now = System.nanoTime();
        for (String key : keys) {
            if (flagged.test(key)) {
                lastFlagged.put(key, now);
                continue;
            }
            String shown = delivered.apply(key);
            long shownRound = shown == null ? -1 : Long.parseLong(shown);
            Long firstMissed = committed.get(key).entrySet().stream().filter(e -> e.getKey() > shownRound)
                    .map(Map.Entry::getValue).min(Long::compare).orElse(null);
            if (firstMissed == null) {
                continue;
            }
            long since = Math.max(firstMissed, lastFlagged.getOrDefault(key, Long.MIN_VALUE));
            worst = Math.max(worst, (now - since) / 1e9);
        }
        return worst;
    }

    @Override
    public void close() {
        client.close();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
