package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;

import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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

    private final Cache<EntryKey, Entry> cache;

    EntryTable(long maxEntries, io.watchcache.Ticker ticker, Executor executor, ScheduledExecutorService timer,
               BiConsumer<Entry, RemovalCause> onRemoval) {
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .ticker(ticker::read)
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
                        return lifetime(entry);
                    }
                })
                .removalListener((EntryKey key, Entry entry, RemovalCause cause) -> {
                    if (entry != null) {
                        onRemoval.accept(entry, cause);
                    }
                })
                .build();
    }

    private static long lifetime(Entry entry) {
        return entry.waiting.get() > 0 ? FOREVER : entry.type.lastGetTtlNanos;
    }

    /** A read that counts as use. */
    Entry getIfPresent(EntryKey key) {
        return cache.getIfPresent(key);
    }

    Entry computeIfAbsent(EntryKey key, Function<EntryKey, Entry> create) {
        return cache.get(key, create);
    }

    /** Re-reads an entry so its expiry is computed again (a waiter came or went). */
    void touch(Entry entry) {
        cache.getIfPresent(entry.key);
    }

    /** Removes {@code entry} if it is still the one stored under its key. */
    boolean remove(Entry entry) {
        return cache.asMap().remove(entry.key, entry);
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
