package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.RemovalCause;
import io.watchcache.RequestInfo;
import io.watchcache.Scheduler;
import io.watchcache.Ticker;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The entries, and when each is idle. Where they are kept is the {@link EntryStore}'s; this
 * class alone decides when an entry is idle, by one rule on one clock ({@link #idle}): no holder
 * (a waiting caller, a watch, a live value), and its last use at least its type's
 * {@code lastGetTtl} ago. Use is a read that finds the entry ({@link #getIfPresent},
 * {@link #touch}) and the end of the last hold; the cache's own walks over {@link #entries()}
 * (introspection, evict by id, reloads, retries) are not use. A read never returns an idle entry,
 * removed or not; one sweep a second ({@link Sweeps}) removes the idle ones (their refresh stops
 * with them) and, with a size bound, evicts past it. The lease fields ({@code holders},
 * {@code lastUse}, {@code expiring}, {@code removed}) live in {@link Entry}, but only this
 * class's handles read or write them. A removal is told to the cache's removal callback once.
 *
 * <p>Use is recorded on the table's clock, the coarse one over the system clock: a hot entry's
 * use is written once per tick, not on every hit, so readers on several cores do not fight
 * over its cache line. So an entry is removed between its TTL and its TTL plus one sweep
 * period plus one tick after its last use.
 */
final class EntryTable {

    /** How often the idle entries are removed. */
    static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final VarHandle HOLDERS;
    private static final VarHandle LAST_USE;
    private static final VarHandle EXPIRING;
    private static final VarHandle REMOVED;

    static {
        try {
            MethodHandles.Lookup entry = MethodHandles.privateLookupIn(Entry.class, MethodHandles.lookup());
            HOLDERS = entry.findVarHandle(Entry.class, "holders", int.class);
            LAST_USE = entry.findVarHandle(Entry.class, "lastUse", long.class);
            EXPIRING = entry.findVarHandle(Entry.class, "expiring", boolean.class);
            REMOVED = entry.findVarHandle(Entry.class, "removed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EntryStore store;
    /** The time use and idleness are counted on: coarse system time, or the injected ticker. */
    private final Ticker clock;
    /** The idle sweeps: one a second while the table has entries. */
    private final Sweeps sweeps;

    EntryTable(long maxEntries, Ticker clock, Executor executor, Scheduler scheduler,
               BiConsumer<Entry, RemovalCause> onRemoval) {
        this.clock = clock;
        this.store = new EntryStore(maxEntries, executor, new EntryStore.Leaving() {
            @Override
            public void marked(Entry entry) {
                REMOVED.setVolatile(entry, true);
            }

            /** Told with its cause: the sweep removes idle entries explicitly; it is their expiry all the same. */
            @Override
            public void left(Entry entry, RemovalCause cause) {
                onRemoval.accept(entry, (boolean) EXPIRING.getVolatile(entry) ? RemovalCause.EXPIRED : cause);
            }
        });
        this.sweeps = new Sweeps(scheduler, executor, SWEEP_NANOS, this::sweepNow, store::isEmpty);
    }

    /**
     * Makes room for the entries of {@code type}, before any exist, and returns its plain entries
     * by key as the store indexes them: where the hit path looks a plain key up
     * ({@link Reads#get}); the type's handle keeps the map, so that the lookup starts from a
     * field. An entry found there is not judged idle nor counted as use: {@link #usedThisTick}
     * then tells whether it may be read as it is, else {@link #touch} judges it. Read only.
     */
    ConcurrentHashMap<String, Entry> addType(TypeRegistration type) {
        return store.addType(type);
    }

    /** The rule: no holder, and unused for the type's whole TTL. */
    private boolean idle(Entry entry, long now) {
        return (int) HOLDERS.getVolatile(entry) == 0
                && now - (long) LAST_USE.getVolatile(entry) >= entry.type.lastGetTtlNanos;
    }

    /**
     * Records a use now; written only when the clock moved since the last one. With a size
     * bound, Caffeine hears of it too (at most once per tick), so its eviction sees recency.
     */
    private void use(Entry entry, long now) {
        if ((long) LAST_USE.getOpaque(entry) != now) {
            LAST_USE.setVolatile(entry, now);
            store.used(entry);
        }
    }

    /**
     * Whether {@code entry} was already used at this tick of the table's clock: then it is not
     * idle, and a read now needs no write. The hit path: no allocation, no write.
     */
    boolean usedThisTick(Entry entry) {
        return (long) LAST_USE.getOpaque(entry) == clock.read();
    }

    /**
     * A read that counts as use, without allocating for a plain key. An idle entry is absent
     * (null: a miss, then a fetch and a new entry) whether or not the sweep has removed it yet.
     */
    @Nullable Entry getIfPresent(TypeRegistration type, RequestInfo info) {
        Entry entry = getQuietly(type, info);
        return entry == null ? null : touch(entry);
    }

    /** A read of {@code entry}, already looked up: null if it is idle, else its use is recorded. */
    @Nullable Entry touch(Entry entry) {
        long now = clock.read();
        if (idle(entry, now)) {
            return null;
        }
        use(entry, now);
        return entry;
    }

    /**
     * Whether {@code entry} has left the table (removed, expired, evicted): set within the
     * removal, before its callback, so a caller about to wait on an entry it found can tell.
     */
    boolean removed(Entry entry) {
        return (boolean) REMOVED.getVolatile(entry);
    }

    /** The entry of {@code info}, without counting as use; idle or not. */
    @Nullable Entry getQuietly(TypeRegistration type, RequestInfo info) {
        return store.get(type, info);
    }

    /**
     * The entry of {@code key}, created with {@code create} if there is none or the one there
     * is idle (it is removed first: a read never gets an idle entry).
     */
    Entry computeIfAbsent(TypeRegistration type, EntryKey key, Function<EntryKey, Entry> create) {
        while (true) {
            Entry entry = store.computeIfAbsent(type, key, k -> created(k, create));
            long now = clock.read();
            if (!idle(entry, now)) {
                use(entry, now);
                return entry;
            }
            expire(entry);
        }
    }

    private Entry created(EntryKey key, Function<EntryKey, Entry> create) {
        Entry created = create.apply(key);
        LAST_USE.setVolatile(created, clock.read());
        sweeps.start();
        return created;
    }

    /** A waiting caller, a watch or a live value holds {@code entry}: it is not idle until released. */
    void hold(Entry entry) {
        HOLDERS.getAndAdd(entry, 1);
    }

    /** Ends one {@link #hold}; the last one is a use: the entry's TTL counts from now. */
    void release(Entry entry) {
        // Use first: between the two, a sweep sees a holder, never an old use without one.
        LAST_USE.setVolatile(entry, clock.read());
        HOLDERS.getAndAdd(entry, -1);
    }

    /** One pass over the entries: each idle one is removed, counted as expired; then the store's pending work runs. */
    private void sweepNow() {
        long now = clock.read();
        for (Entry entry : entries()) {
            if (idle(entry, now)) {
                expire(entry);
            }
        }
        store.cleanUp();
    }

    /** Removes {@code entry} as expired, if it is still the one stored under its key. */
    private void expire(Entry entry) {
        EXPIRING.setVolatile(entry, true);
        if (!remove(entry)) {
            EXPIRING.setVolatile(entry, false);
        }
    }

    /** Removes {@code entry} if it is still the one stored under its key. */
    boolean remove(Entry entry) {
        return store.remove(entry);
    }

    /** The live entries, without touching them: a view, not a copy. */
    Collection<Entry> entries() {
        return store.entries();
    }

    /** Removes every entry, and empties the index at once (removal callbacks may run later). */
    void removeAll() {
        sweeps.stop();
        store.removeAll();
    }
}
