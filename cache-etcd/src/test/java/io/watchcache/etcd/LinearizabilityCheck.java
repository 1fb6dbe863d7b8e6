package io.watchcache.etcd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The consistent-read check, for tests and benchmarks: every read of a key must show a revision
 * at least that of every write to that key acknowledged before the read started. Writers and
 * readers record from any thread; {@link #violations()} judges afterwards.
 */
public final class LinearizabilityCheck {

    /** A write of {@code key}, acknowledged at {@code ackNanos} (System.nanoTime) with etcd's {@code revision}. */
    public record Write(String key, long ackNanos, long revision) {
    }

    /** A read of {@code key} that started at {@code startNanos} and saw {@code index}. */
    public record Read(String key, long startNanos, long index) {
    }

    private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();

    public void wrote(String key, long ackNanos, long revision) {
        writes.add(new Write(key, ackNanos, revision));
    }

    public void read(String key, long startNanos, long index) {
        reads.add(new Read(key, startNanos, index));
    }

    public int writes() {
        return writes.size();
    }

    public int reads() {
        return reads.size();
    }

    /** The reads older than a write acknowledged before they started, each with the revision it missed. */
    public List<String> violations() {
        Map<String, List<Write>> byKey = new HashMap<>();
        for (Write write : writes) {
            byKey.computeIfAbsent(write.key(), k -> new ArrayList<>()).add(write);
        }
        byKey.values().forEach(list -> list.sort(Comparator.comparingLong(Write::ackNanos)));
        List<String> violations = new ArrayList<>();
        for (Read read : reads) {
            long required = 0;
            for (Write write : byKey.getOrDefault(read.key(), List.of())) {
                if (write.ackNanos() >= read.startNanos()) {
                    break;
                }
                required = Math.max(required, write.revision());
            }
            if (read.index() < required) {
                violations.add(read + " below " + required);
            }
        }
        return violations;
    }
}
