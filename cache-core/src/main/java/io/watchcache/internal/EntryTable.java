package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.watchcache.RequestInfo;
import io.watchcache.Scheduler;
import io.watchcache.Ticker;
import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The entries, in a Caffeine cache (expiry after the last use with each type's own TTL, an
 * optional size bound, a removal callback), beside an index of the plain ones (no partition, no
 * token) by type and key, so that a hit on one needs no key object. This class alone decides
 * when an entry is used, held or idle: it alone calls the {@link Lease} methods of an entry. Only
 * {@link #getIfPresent} and a waiter's {@link #hold}/{@link #release} count as use; the refresh
 * loop's own look-ups ({@link #entries()}) never keep an entry alive.
 */
final class EntryTable {

    /** Caffeine's longest expiry; a held entry gets it so it cannot expire under a waiter. */
    private static final long FOREVER = Long.MAX_VALUE >> 1;

    /** How long after an entry's TTL its expiry check runs: the expiry clock's granularity and then some. */
    private static final long CHECK_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The longest an expiry check waits before it looks whether its entry is still idle. */
    private static final long MAX_CHECK_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Cache<EntryKey, Entry> cache;
    private final Executor executor;
    private final Scheduler scheduler;
    private final Policy<EntryKey, Entry> policy;
    /** The time use and expiry are counted on: coarse system time, or the injected ticker. */
    private final Ticker clock;
    /**
     * The plain entries of each registered type, at the type's {@link TypeRegistration#slot}.
     * Replaced whole (a longer copy) under the monitor when a type registers; read without it.
     */
    private volatile ConcurrentHashMap<String, Entry>[] plain = newIndex(0);

    EntryTable(long maxEntries, Ticker clock, Executor executor, Scheduler scheduler,
               BiConsumer<Entry, RemovalCause> onRemoval) {
        this.clock = clock;
        this.executor = executor;
        this.scheduler = scheduler;
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .ticker(clock::read)
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
                .scheduler((caffeineExecutor, task, delay, unit) -> {
                    Future<?> scheduled = schedule(() -> caffeineExecutor.execute(task), unit.toNanos(delay));
                    return scheduled != null ? scheduled : CompletableFuture.completedFuture(null);
                });
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
                        // Only reads that mean to renew get here (see renewOrExpire).
                        return lifetime(entry);
                    }
                })
                // Runs inside the removal (expiry, size): the index never serves an evicted entry.
                .evictionListener((@Nullable EntryKey key, @Nullable Entry entry, RemovalCause cause) -> {
                    if (key != null && entry != null) {
                        unindex(key, entry);
                    }
                })
                .removalListener((@Nullable EntryKey key, @Nullable Entry entry, RemovalCause cause) -> {
                    if (key != null && entry != null) {
                        unindex(key, entry);
                        onRemoval.accept(entry, cause);
                    }
                })
                .build();
        policy = cache.policy();
    }

    @SuppressWarnings("unchecked")
    private static ConcurrentHashMap<String, Entry>[] newIndex(int length) {
        return new ConcurrentHashMap[length];
    }

    /** Makes room for the plain entries of {@code type}; before any of its entries exist. */
    synchronized void addType(TypeRegistration type) {
        ConcurrentHashMap<String, Entry>[] next = Arrays.copyOf(plain, Math.max(plain.length, type.slot + 1));
        next[type.slot] = new ConcurrentHashMap<>();
        plain = next;
    }

    private static long lifetime(Entry entry) {
        return entry.holders() > 0 ? FOREVER : entry.type.lastGetTtlNanos;
    }

    /**
     * The entry of a plain key whose TTL needs no renewal now, or null (not plain, absent, or a
     * renewal due: {@link #getIfPresent} then decides). The hit path: no allocation, no write.
     */
    @Nullable Entry getRecentPlain(TypeRegistration type, RequestInfo info) {
        if (!info.partition().isEmpty() || !info.token().isEmpty()) {
            return null;
        }
        Entry entry = plain[type.slot].get(info.key());
        return entry != null && clock.read() - entry.renewedAt() <= type.renewAfterNanos ? entry : null;
    }

    /**
     * A read that counts as use, without allocating for a plain key. It reads quietly (no access
     * bookkeeping, which costs Caffeine three times a plain read), and renews the TTL only when
     * the last renewal is older than 1/64 of it: so a hot entry is written a few times per TTL
     * instead of on every hit, and two threads reading it do not fight over its cache line. An
     * entry may so expire up to 1/64 of its TTL early, never late (see {@link #renewOrExpire}).
     */
    @Nullable Entry getIfPresent(TypeRegistration type, RequestInfo info) {
        Entry entry = info.partition().isEmpty() && info.token().isEmpty() ? plain[type.slot].get(info.key())
                : policy.getIfPresentQuietly(EntryKey.of(type, info));
        if (entry != null && clock.read() - entry.renewedAt() > type.renewAfterNanos) {
            return renewOrExpire(entry);
        }
        return entry;
    }

    /**
     * A renewal is due. An entry idle for its whole TTL and held by no waiter is absent (null: a
     * miss, then a fetch) whether or not Caffeine's cleanup has removed it yet. The check costs
     * the hot path nothing: it is only made when a renewal is due anyway.
     */
    private @Nullable Entry renewOrExpire(@Nullable Entry entry) {
        if (entry == null) {
            return null;
        }
        long now = clock.read();
        if (now - entry.renewedAt() >= entry.type.lastGetTtlNanos && entry.holders() == 0) {
            return null;
        }
        entry.renewedAt(now);
        renew(entry);
        return entry;
    }

    /** Reads the entry through Caffeine for the read's side effect: its expiry renews on access. */
    @SuppressWarnings("CheckReturnValue")
    private void renew(Entry entry) {
        cache.getIfPresent(entry.key);
    }

    /** The entry of {@code key}, without counting as use; expired or not. */
    @Nullable Entry getQuietly(EntryKey key) {
        return policy.getIfPresentQuietly(key);
    }

    /** The entry of {@code key}, created with {@code create} if there is none (or it expired). */
    Entry computeIfAbsent(EntryKey key, Function<EntryKey, Entry> create) {
        return cache.get(key, k -> {
            Entry created = create.apply(k);
            created.renewedAt(clock.read());
            if (k.plain()) {
                // A removed entry of the same key leaves the index in its removal callback, which
                // may run later: by identity, so it cannot take this one out.
                plain[created.type.slot].put(k.key(), created);
            }
            return created;
        });
    }

    /** A waiter (or a watch between its reads) holds {@code entry}: it does not expire until released. */
    void hold(Entry entry) {
        // Only the first holder changes the entry's expiry (to "never"); a touch on every join
        // would make thousands of watchers of one key contend on its node.
        if (entry.hold()) {
            touch(entry);
        }
    }

    /** Ends one {@link #hold}; the last one restarts the entry's TTL, counted from now. */
    void release(Entry entry) {
        // Each transition touches after it, and a touch reads the count when it runs, so the
        // last touch sees the final count.
        if (entry.release()) {
            touch(entry);
        }
    }

    /**
     * Recomputes an entry's expiry: a holder came (now "never") or the last one left (now its
     * TTL, counted from now). A same-value compute is a write, which Caffeine records without
     * loss (a read may be dropped from its buffer). When the entry goes idle, an expiry check is
     * also armed: Caffeine runs expiry from its own maintenance, paced to at most about once a
     * second and skipped when it thinks a run is near, and an entry read once in a quiet cache
     * could otherwise stay, its refresh querying the source for nobody.
     */
    private void touch(Entry entry) {
        entry.renewedAt(clock.read());
        cache.asMap().computeIfPresent(entry.key, (key, current) -> current);
        if (entry.holders() == 0) {
            armExpiryCheck(entry);
        }
    }

    /**
     * At most one check per entry is pending. It runs at the entry's TTL, but no later than a
     * second from now: an entry that a watch or a live value holds is idle only for moments,
     * and its check then ends without re-arming, so it does not sit in the scheduler for the TTL.
     */
    private void armExpiryCheck(Entry entry) {
        if (!entry.armCheck()) {
            return;
        }
        long due = Math.max(0, entry.renewedAt() + entry.type.lastGetTtlNanos - clock.read());
        if (schedule(() -> checkExpiry(entry), Math.min(due + CHECK_SLACK_NANOS, MAX_CHECK_DELAY_NANOS)) == null) {
            entry.checkDone();
        }
    }

    private void checkExpiry(Entry entry) {
        entry.checkDone();
        // Looked up quietly: a plain read would count as use and renew the TTL it is checking,
        // and an entry with a TTL over a second would then never expire. An entry that expired
        // but is not removed yet reads as absent here; only its removal marks it dead.
        Entry current = policy.getIfPresentQuietly(entry.key);
        if (entry.holders() > 0 || entry.isDead() || (current != null && current != entry)) {
            return; // held (the last holder to leave re-arms it), or gone already
        }
        if (clock.read() - entry.renewedAt() >= entry.type.lastGetTtlNanos) {
            // Due. Caffeine's own expiry time normally says so too, but a read that renewed it
            // while a holder was still there ("never") can land after the last holder's touch
            // (the read path sets it without a lock): so it is set here from the lease, which
            // is the truth, and the entry goes at the cleanup.
            policy.expireVariably().ifPresent(expiry -> expiry.setExpiresAfter(entry.key, 0, TimeUnit.NANOSECONDS));
            try {
                executor.execute(cache::cleanUp);
            } catch (RejectedExecutionException closing) {
                return;
            }
        }
        // Idle and not yet due (or the maintenance above runs later): check again.
        armExpiryCheck(entry);
    }

    /** Runs {@code task} on the scheduler; null once it refuses work (the cache is closing). */
    private @Nullable Future<?> schedule(Runnable task, long delayNanos) {
        try {
            return scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return null;
        }
    }

    /** Removes {@code entry} if it is still the one stored under its key. */
    boolean remove(Entry entry) {
        boolean removed = cache.asMap().remove(entry.key, entry);
        if (removed) {
            unindex(entry.key, entry);
        }
        return removed;
    }

    /** Takes {@code entry} out of the index (by identity: a newer entry of the key stays). */
    private void unindex(EntryKey key, Entry entry) {
        if (entry != null && key.plain()) {
            plain[entry.type.slot].remove(key.key(), entry);
        }
    }

    /** The live entries, without touching them. */
    Collection<Entry> entries() {
        return cache.asMap().values();
    }

    /** Removes every entry, and empties the index at once (removal callbacks may run later). */
    void removeAll() {
        cache.invalidateAll();
        for (ConcurrentHashMap<String, Entry> index : plain) {
            if (index != null) {
                index.clear();
            }
        }
        cache.cleanUp();
    }

    void cleanUp() {
        cache.cleanUp();
    }
}
