package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.watchcache.RequestInfo;
import io.watchcache.Ticker;

import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The entries, in a Caffeine cache: expiry after the last {@code get} with each type's own TTL,
 * an optional size bound, and a removal callback. Reads are Caffeine's lock-free reads; only
 * {@link #touch} and {@link #getIfPresent} count as use, so the refresh loop's own look-ups
 * ({@link #entries()}) never keep an entry alive.
 */
final class EntryTable {

    /** Caffeine's longest expiry; a waited-on entry gets it so it cannot expire under a waiter. */
    private static final long FOREVER = Long.MAX_VALUE >> 1;

    /** How long after an entry's TTL its expiry check runs: the expiry clock's granularity and then some. */
    private static final long CHECK_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The longest an expiry check waits before it looks whether its entry is still idle. */
    private static final long MAX_CHECK_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Cache<EntryKey, Entry> cache;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Policy<EntryKey, Entry> policy;
    private final Ticker expiryTicker;

    EntryTable(long maxEntries, Ticker ticker, Executor executor, ScheduledExecutorService timer,
               BiConsumer<Entry, RemovalCause> onRemoval) {
        // Expiry only needs coarse time; an injected ticker (tests) is used as is.
        expiryTicker = ticker == Ticker.system() ? new CoarseTicker(timer) : ticker;
        this.executor = executor;
        this.timer = timer;
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .ticker(expiryTicker::read)
                // The removal callback closes user state: run it off Caffeine's maintenance path,
                // and inline once the executor refuses work (the cache is closing).
                .executor(task -> {
                    try {
                        executor.execute(task);
                    } catch (RejectedExecutionException e) {
                        task.run();
                    }
                })
                // Without a scheduler, expired entries would only go on the next write, and their
                // refresh loops would keep querying the source for nobody.
                .scheduler(Scheduler.forScheduledExecutorService(timer));
        if (maxEntries != Long.MAX_VALUE) {
            builder.maximumSize(maxEntries);
        }
        cache = builder.expireAfter(new Expiry<EntryKey, Entry>() {
                    @Override
                    public long expireAfterCreate(EntryKey key, Entry entry, long now) {
                        return lifetime(entry);
                    }

                    @Override
                    public long expireAfterUpdate(EntryKey key, Entry entry, long now, long current) {
                        return lifetime(entry);
                    }

                    @Override
                    public long expireAfterRead(EntryKey key, Entry entry, long now, long current) {
                        // Only reads that mean to renew get here (see getIfPresent).
                        return lifetime(entry);
                    }
                })
                // Runs inside the removal (expiry, size): the index never serves an evicted entry.
                .evictionListener((EntryKey key, Entry entry, RemovalCause cause) -> unindex(key, entry))
                .removalListener((EntryKey key, Entry entry, RemovalCause cause) -> {
                    if (entry != null) {
                        unindex(key, entry);
                        onRemoval.accept(entry, cause);
                    }
                })
                .build();
        policy = cache.policy();
    }

    private static long lifetime(Entry entry) {
        return entry.waiting.get() > 0 ? FOREVER : entry.type.lastGetTtlNanos;
    }

    /** Reads the entry through Caffeine for the read's side effect: its expiry renews on access. */
    @SuppressWarnings("CheckReturnValue")
    private void renew(Entry entry) {
        cache.getIfPresent(entry.key);
    }

    /**
     * A read that counts as use, without allocating for the common case (no partition, no
     * token: looked up in the type's own index by key). It reads quietly (no access bookkeeping,
     * which costs Caffeine three times a plain read) and renews the TTL only when the last
     * renewal is older than 1/64 of it: so a hot entry is written a few times per TTL instead of
     * on every hit, and two threads reading it do not fight over its cache line. An entry may so
     * expire up to 1/64 of its TTL early, never late: one idle for its TTL since its last
     * renewal, and held by no waiter, is absent here (null: a miss, then a fetch) whether or not
     * Caffeine's cleanup has removed it yet. The check costs nothing on the hot path: it is only
     * made when a renewal is due anyway.
     */
    Entry getIfPresent(TypeRegistration type, RequestInfo info) {
        Entry entry = info.partition().isEmpty() && info.token().isEmpty() ? type.plainEntries.get(info.key())
                : policy.getIfPresentQuietly(EntryKey.of(type, info));
        if (entry != null) {
            long now = expiryTicker.read();
            long idle = now - entry.renewedAt;
            if (idle > entry.type.lastGetTtlNanos >> 6) {
                if (idle >= entry.type.lastGetTtlNanos && entry.waiting.get() == 0) {
                    return null;
                }
                entry.renewedAt = now;
                renew(entry);
            }
        }
        return entry;
    }

    Entry computeIfAbsent(EntryKey key, Function<EntryKey, Entry> create) {
        return cache.get(key, k -> {
            Entry created = create.apply(k);
            if (k.plain()) {
                // A removed entry of the same key leaves the index in its removal callback, which
                // may run later: by identity, so it cannot take this one out.
                created.type.plainEntries.put(k.key(), created);
            }
            return created;
        });
    }

    /**
     * Recomputes an entry's expiry: a waiter came (now "never") or the last one left (now its
     * TTL, counted from now). A same-value compute is a write, which Caffeine records without
     * loss (a read may be dropped from its buffer). When the entry goes idle, an expiry check is
     * also armed: Caffeine runs expiry from its own maintenance, paced to at most about once a
     * second and skipped when it thinks a run is near, and an entry read once in a quiet cache
     * could otherwise stay, its refresh querying the source for nobody.
     */
    void touch(Entry entry) {
        entry.renewedAt = expiryTicker.read();
        cache.asMap().computeIfPresent(entry.key, (key, current) -> current);
        if (entry.waiting.get() == 0) {
            armExpiryCheck(entry);
        }
    }

    /**
     * At most one check per entry is pending. It runs at the entry's TTL, but no later than a
     * second from now: an entry that a watch or a live value holds is idle only for moments,
     * and its check then ends without re-arming, so it does not sit in the timer for the TTL.
     */
    private void armExpiryCheck(Entry entry) {
        if (!entry.expiryCheckArmed.compareAndSet(false, true)) {
            return;
        }
        long due = Math.max(0, entry.renewedAt + entry.type.lastGetTtlNanos - expiryTicker.read());
        try {
            timer.schedule(() -> checkExpiry(entry), Math.min(due + CHECK_SLACK_NANOS, MAX_CHECK_DELAY_NANOS),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            entry.expiryCheckArmed.set(false);
        }
    }

    private void checkExpiry(Entry entry) {
        entry.expiryCheckArmed.set(false);
        // Looked up quietly: a plain read would count as use and renew the TTL it is checking,
        // and an entry with a TTL over a second would then never expire. An entry that expired
        // but is not removed yet reads as absent here; only its removal marks it dead.
        Entry current = policy.getIfPresentQuietly(entry.key);
        if (entry.waiting.get() > 0 || entry.isDead() || (current != null && current != entry)) {
            return; // held (the last waiter to leave re-arms it), or gone already
        }
        if (expiryTicker.read() - entry.renewedAt >= entry.type.lastGetTtlNanos) {
            try {
                executor.execute(cache::cleanUp);
            } catch (RejectedExecutionException closing) {
                return;
            }
        }
        // Idle and not yet due (or the maintenance above runs later): check again.
        armExpiryCheck(entry);
    }

    /** The time expiry runs on: coarse system time, or the injected ticker. */
    long expiryNow() {
        return expiryTicker.read();
    }

    /** Removes {@code entry} if it is still the one stored under its key. */
    boolean remove(Entry entry) {
        boolean removed = cache.asMap().remove(entry.key, entry);
        if (removed) {
            unindex(entry.key, entry);
        }
        return removed;
    }

    /** Takes {@code entry} out of its type's index (by identity: a newer entry of the key stays). */
    private static void unindex(EntryKey key, Entry entry) {
        if (entry != null && key.plain()) {
            entry.type.plainEntries.remove(key.key(), entry);
        }
    }

    /** The live entries, without touching them. */
    Collection<Entry> entries() {
        return cache.asMap().values();
    }

    void removeAll() {
        cache.invalidateAll();
        cache.cleanUp();
    }

    void cleanUp() {
        cache.cleanUp();
    }
}
