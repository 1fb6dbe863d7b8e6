package io.watchcache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one registered type, created once at registration so the read path only
 * increments. Tags are the type name and a fixed outcome word: never a key or a token,
 * which would leak secrets and give the registry one series per entry.
 */
final class TypeMetrics {

    /**
     * How a read was answered. A consistent read ({@link ConsistentReads}) is counted once, as
     * one of the last three: from the entry at once, from the entry after it caught up, or
     * by a fetch past the cache.
     */
    enum GetResult { HIT, MISS, MISS_BLOCK, BYPASS, CONSISTENT_HIT, CONSISTENT_WAIT, CONSISTENT_FALLBACK }

    enum FetchOutcome {
        SUCCESS, NOT_MODIFIED, NO_PROGRESS, INVALID_INDEX, ERROR, FATAL;

        /**
         * How a fetch that answered {@code result} or failed with {@code error} is counted;
         * {@link #NO_PROGRESS} needs the entry's history and is decided there. An answer whose
         * index is not positive is {@link #INVALID_INDEX}: it cannot be waited past. ("Nothing new past
         * {@code minIndex}" carries the index it was asked about, which is not the source's claim.)
         */
        static FetchOutcome of(@Nullable FetchResult<?> result, @Nullable Throwable error, boolean fatal) {
            if (error != null || result == null) {
                return fatal ? FATAL : ERROR;
            }
            if (result.index() <= 0 && !result.unchanged()) {
                return INVALID_INDEX;
            }
            return result.notModified() ? NOT_MODIFIED : SUCCESS;
        }
    }

    enum Eviction { EXPIRED, SIZE, EXPLICIT }

    /** Whether meters are registered at all; without a registry, counting would only cost time. */
    private final boolean enabled;
    final AtomicLong entries = new AtomicLong();
    final AtomicInteger watches = new AtomicInteger();
    /** Entries of the type without contact, kept as their snapshots change ({@link #stateChanged}). */
    private final AtomicInteger lostContact = new AtomicInteger();
    /** Entries of the type failed by a fatal error, kept likewise. */
    private final AtomicInteger failed = new AtomicInteger();

    private final Counter[] gets = new Counter[GetResult.values().length];
    private final Timer[] fetches = new Timer[FetchOutcome.values().length];
    /** How long consistent reads took to be answered, whichever way. */
    private final @Nullable Timer consistentWait;
    private final Counter[] evictions = new Counter[Eviction.values().length];
    private final @Nullable Counter notifications;
    private final String type;
    /** Where fetches are observed, or null; with it, the observation stands for the fetch timer. */
    private final @Nullable ObservationRegistry observations;

    /** Values stored by fetches (and prepopulated): Micrometer's {@code cache.puts}. */
    private final LongAdder puts = new LongAdder();

    /**
     * Meters in {@code registry} (none at all when it is null) and fetch observations in
     * {@code observations} (none when null); with {@code cacheMeters}, Micrometer's cache
     * vocabulary too ({@link TypeCacheMeters}).
     */
    TypeMetrics(@Nullable MeterRegistry registry, @Nullable ObservationRegistry observations, String type,
                boolean cacheMeters) {
        this.type = type;
        this.observations = observations;
        enabled = registry != null;
        if (registry == null) {
            notifications = null;
            consistentWait = null;
            return;
        }
        for (GetResult result : GetResult.values()) {
            gets[result.ordinal()] = Counter.builder("watchcache.gets").tag("type", type)
                    .tag("result", tagValue(result)).description("Cache reads by how they were answered")
                    .register(registry);
        }
        if (observations == null) {
            for (FetchOutcome outcome : FetchOutcome.values()) {
                fetches[outcome.ordinal()] = Timer.builder("watchcache.fetch").tag("type", type)
                        .tag("outcome", tagValue(outcome)).description("Fetches from the source, by outcome")
                        .register(registry);
            }
        }
        for (Eviction cause : Eviction.values()) {
            evictions[cause.ordinal()] = Counter.builder("watchcache.evictions").tag("type", type)
                    .tag("cause", tagValue(cause)).description("Entries removed from the cache, by cause")
                    .register(registry);
        }
        consistentWait = Timer.builder("watchcache.consistent.wait").tag("type", type)
                .description("Time consistent reads took to be answered (the index asked, the entry caught up, or a"
                        + " fetch past the cache)").register(registry);
        notifications = Counter.builder("watchcache.notifications").tag("type", type)
                .description("Update events delivered to watch listeners").register(registry);
        Gauge.builder("watchcache.entries", entries, AtomicLong::get).tag("type", type)
                .description("Entries in the cache").register(registry);
        Gauge.builder("watchcache.watches", watches, AtomicInteger::get).tag("type", type)
                .description("Active watches").register(registry);
        Gauge.builder("watchcache.lost.contact", lostContact, AtomicInteger::get).tag("type", type)
                .description("Refreshing entries whose background query is failing").register(registry);
        Gauge.builder("watchcache.failed", failed, AtomicInteger::get).tag("type", type)
                .description("Refreshing entries stopped by an error the type calls fatal").register(registry);
        if (cacheMeters) {
            new TypeCacheMeters(this, type).bindTo(registry);
        }
    }

    /** Reads answered from the cache's entry at the first look (consistent ones too): Micrometer's hits. */
    long hits() {
        return count(GetResult.HIT) + count(GetResult.CONSISTENT_HIT);
    }

    /**
     * Reads that waited for a fetch or for the entry to catch up, or went to the source uncached
     * (a blank key, a consistent read's fallback): Micrometer's misses.
     */
    long misses() {
        return count(GetResult.MISS) + count(GetResult.MISS_BLOCK) + count(GetResult.BYPASS)
                + count(GetResult.CONSISTENT_WAIT) + count(GetResult.CONSISTENT_FALLBACK);
    }

    /** A consistent read was answered, {@code result} saying how, {@code nanos} after it started. */
    void recordConsistent(GetResult result, long nanos) {
        recordGet(result);
        Timer timer = consistentWait;
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Entries removed by the cache itself (idle, or over the size bound), not by an explicit evict. */
    long evictions() {
        Counter expired = evictions[Eviction.EXPIRED.ordinal()];
        Counter size = evictions[Eviction.SIZE.ordinal()];
        return (long) ((expired == null ? 0 : expired.count()) + (size == null ? 0 : size.count()));
    }

    long puts() {
        return puts.sum();
    }

    /** A new value was stored, fetched or prepopulated ("nothing new" is none): a put. */
    void recordPut() {
        if (enabled) {
            puts.increment();
        }
    }

    private long count(GetResult result) {
        Counter counter = gets[result.ordinal()];
        return counter == null ? 0 : (long) counter.count();
    }

    /**
     * An entry's snapshot went from {@code before} to {@code after} (an entry removed goes to
     * {@link Snapshot#EMPTY}): the lost-contact and failed counts follow, so a scrape reads two
     * numbers instead of walking the entries.
     */
    void stateChanged(Snapshot before, Snapshot after) {
        if (before.lostContact() != after.lostContact()) {
            lostContact.addAndGet(after.lostContact() ? 1 : -1);
        }
        if (before.failed() != after.failed()) {
            failed.addAndGet(after.failed() ? 1 : -1);
        }
    }

    /** Entries of the type without contact now. */
    int lostContact() {
        return lostContact.get();
    }

    /** Entries of the type failed now. */
    int failed() {
        return failed.get();
    }

    void recordGet(GetResult result) {
        if (enabled) {
            gets[result.ordinal()].increment();
        }
    }

    /**
     * Starts the observation of one fetch, or returns null when fetches are not observed. Its
     * keys are the type and, at the end, the outcome: never a key or a token.
     */
    @Nullable Observation startFetch() {
        if (observations == null) {
            return null;
        }
        return Observation.createNotStarted("watchcache.fetch", observations)
                .contextualName("watchcache fetch " + type)
                .lowCardinalityKeyValue("type", type)
                .start();
    }

    /** Counts a fetch that ended with {@code outcome}, and ends its observation if it has one. */
    void recordFetch(FetchOutcome outcome, long nanos, @Nullable Observation observation, @Nullable Throwable error) {
        if (observation != null) {
            observation.lowCardinalityKeyValue("outcome", tagValue(outcome));
            if (error != null) {
                observation.error(error);
            }
            observation.stop();
        } else if (enabled && observations == null) {
            fetches[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void recordEviction(Eviction cause) {
        if (enabled) {
            evictions[cause.ordinal()].increment();
        }
    }

    void recordNotification() {
        Counter counter = notifications;
        if (counter != null) {
            counter.increment();
        }
    }

    private static String tagValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
