package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.watchcache.RequestInfo;
import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * Where the entries are kept, by type and key; when one is idle is not its business
 * ({@link EntryTable} decides, and asks it to remove one). A plain entry (no partition, no token)
 * is found in an index by its type's slot and its key string, so that a hit on one needs no key
 * object. Without a size bound that index is where plain entries live (one map per entry, one
 * insertion per miss), and a Caffeine cache holds the others; with a bound, Caffeine holds every
 * entry, for its eviction, and the index mirrors the plain ones. Either way each entry that
 * leaves is told to the {@link Leaving} once: marked within the removal, then its callback on the
 * executor.
 */
final class EntryStore {

    /** What the store tells of an entry that leaves it. */
    interface Leaving {
        /** Within the removal, before it can be found gone: mark it removed. */
        void marked(Entry entry);

        /** After the removal, on the executor (inline once the executor refuses work). */
        void left(Entry entry, RemovalCause cause);
    }

    /** Every entry with a size bound; without one, the entries with a partition or a token. */
    private final Cache<EntryKey, Entry> cache;
    private final Policy<EntryKey, Entry> policy;
    /** Whether a size bound is set: then uses are also reads through Caffeine, for its eviction. */
    private final boolean bounded;
    /** The plain entries: without a size bound their only place, with one a mirror of Caffeine's. */
    private final PlainIndex plain = new PlainIndex();
    /** Runs removal callbacks: on the executor, and inline once it refuses work (the cache is closing). */
    private final Executor removals;
    private final Leaving leaving;

    EntryStore(long maxEntries, Executor executor, Leaving leaving) {
        this.leaving = leaving;
        // The removal callback closes user state: run it off the remover's path (and Caffeine's
        // maintenance), and inline once the executor refuses work (the cache is closing).
        this.removals = task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
        Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(removals);
        this.bounded = maxEntries != Long.MAX_VALUE;
        if (bounded) {
            builder.maximumSize(maxEntries);
        }
        cache = builder
                // Runs inside the removal (size): the index never serves an evicted entry.
                .evictionListener((@Nullable EntryKey key, @Nullable Entry entry, RemovalCause cause) -> {
                    if (key != null && entry != null) {
                        leaving.marked(entry);
                        unindex(key, entry);
                    }
                })
                .removalListener((@Nullable EntryKey key, @Nullable Entry entry, RemovalCause cause) -> {
                    if (key != null && entry != null) {
                        unindex(key, entry);
                        leaving.left(entry, cause);
                    }
                })
                .build();
        policy = cache.policy();
    }

    /**
     * Makes room for the plain entries of {@code type}, before any of its entries exist, and
     * returns their map, for a caller that looks them up itself ({@link #plainEntry}); never
     * written through.
     */
    ConcurrentHashMap<String, Entry> addType(TypeRegistration type) {
        plain.addType(type);
        return plain.of(type);
    }

    /** The entry of {@code info}, or null. */
    @Nullable Entry get(TypeRegistration type, RequestInfo info) {
        return EntryKey.plain(info) ? plain.of(type).get(info.key())
                : policy.getIfPresentQuietly(EntryKey.of(type, info));
    }

    /**
     * The entry of {@code info} in {@code plainEntries} (a type's, from {@link #addType}), or null
     * when {@code info} is not plain or has none: how a caller that keeps the map looks in it.
     */
    static @Nullable Entry plainEntry(ConcurrentHashMap<String, Entry> plainEntries, RequestInfo info) {
        return EntryKey.plain(info) ? plainEntries.get(info.key()) : null;
    }

    /** The entry of {@code key}, created with {@code create} if there is none. */
    Entry computeIfAbsent(TypeRegistration type, EntryKey key, Function<EntryKey, Entry> create) {
        if (!bounded && key.plain()) {
            return plain.of(type).computeIfAbsent(key.key(), k -> create.apply(key));
        }
        return cache.get(key, k -> {
            Entry created = create.apply(k);
            if (k.plain()) {
                // A removed entry of the same key leaves the index in its removal callback,
                // which may run later: by identity, so it cannot take this one out.
                plain.of(type).put(k.key(), created);
            }
            return created;
        });
    }

    /** With a size bound, tells Caffeine of a use of {@code entry}, so its eviction sees recency. */
    @SuppressWarnings("CheckReturnValue") // read for the access it records
    void used(Entry entry) {
        if (bounded) {
            cache.getIfPresent(entry.key);
        }
    }

    /** Removes {@code entry} if it is still the one stored under its key; told as explicit. */
    boolean remove(Entry entry) {
        if (!bounded && entry.key.plain()) {
            boolean removed = plain.of(entry.type).remove(entry.key.key(), entry);
            if (removed) {
                removedPlain(entry);
            }
            return removed;
        }
        boolean removed = cache.asMap().remove(entry.key, entry);
        if (removed) {
            leaving.marked(entry);
            unindex(entry.key, entry);
        }
        return removed;
    }

    /** A plain entry of an unbounded store has left its only map: marked, and its callback runs. */
    private void removedPlain(Entry entry) {
        leaving.marked(entry);
        removals.execute(() -> leaving.left(entry, RemovalCause.EXPLICIT));
    }

    /** Takes {@code entry} out of the index (by identity: a newer entry of the key stays). */
    private void unindex(EntryKey key, Entry entry) {
        if (key.plain()) {
            plain.of(entry.type).remove(key.key(), entry);
        }
    }

    boolean isEmpty() {
        return cache.asMap().isEmpty() && plain.isEmpty();
    }

    /** The entries: a view, not a copy. */
    Collection<Entry> entries() {
        return bounded ? cache.asMap().values() : plain.with(cache.asMap().values());
    }

    /**
     * Runs Caffeine's pending work: a write made while its last maintenance ran waits for the
     * next read or write (Caffeine reschedules by itself only on the common pool), so without
     * this a quiet bounded store would stay over its bound until something touched it.
     */
    void cleanUp() {
        cache.cleanUp();
    }

    /** Removes every entry, and empties the index at once (removal callbacks may run later). */
    void removeAll() {
        for (Entry entry : cache.asMap().values()) {
            leaving.marked(entry);
        }
        cache.invalidateAll();
        // Mirrors go; entries kept only in the index are removed there, each told once.
        plain.removeAll(bounded ? entry -> { } : this::removedPlain);
        cache.cleanUp();
    }
}
