package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

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

    public KeyWriter(List<String> endpoints, List<String> keys) {
        this.client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        this.keys = List.copyOf(keys);
    }

    /**
     * Writes {@code round} (as the value) to every key, each retried until etcd commits it.
     * Rounds must increase.
     */
    public void writeAll(long round) throws Exception {
        for (String key : keys) {
            put(key, Long.toString(round));
            writes++;
            latest.put(key, round);
            committed.computeIfAbsent(key, k -> new HashMap<>()).put(round, System.nanoTime());
        }
    }

    private void put(String key, String value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                client.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
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
