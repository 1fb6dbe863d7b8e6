package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read path: a caller's {@code get} and {@code getAsync}, a watch's read, and the
 * application's {@code prepopulate}. A hit is judged by the freshness rule on the table's entry;
 * a miss hands its request to the entry (made if need be) and waits on it ({@link Waiter}).
 */
final class Reads {

    private final CacheRuntime runtime;
    private final EntryTable table;
    private final Fetcher fetcher;
    private final Bypass bypass;
    private final AtomicLong entryIds = new AtomicLong();

    Reads(CacheRuntime runtime, EntryTable table, Fetcher fetcher) {
        this.runtime = runtime;
        this.table = table;
        this.fetcher = fetcher;
        this.bypass = new Bypass(runtime, fetcher);
    }

    /**
     * A caller's read of {@code request}, whose info is {@code info}; {@code plainEntries} is
     * the plain entries of {@code type} ({@link EntryTable#addType}), which the caller keeps.
     */
    Result<Object> get(TypeRegistration type, ConcurrentHashMap<String, Entry> plainEntries, CacheRequest request,
                       RequestInfo info) throws InterruptedException {
        Entry plain = EntryStore.plainEntry(plainEntries, info);
        Result<Object> ready = plain != null && table.usedThisTick(plain) ? ready(type, plain, info) : null;
        return ready != null ? ready : getSlow(type, request, info, plain);
    }

    /** {@link #get}, for {@code getAsync}. */
    CompletableFuture<Result<Object>> getAsync(TypeRegistration type, ConcurrentHashMap<String, Entry> plainEntries,
                                               CacheRequest request, RequestInfo info) {
        Entry plain = EntryStore.plainEntry(plainEntries, info);
        Result<Object> ready = plain != null && table.usedThisTick(plain) ? ready(type, plain, info) : null;
        return ready != null ? CompletableFuture.completedFuture(ready) : getAsyncSlow(type, request, info, plain);
    }

    /**
     * The hit path, small enough to be compiled into its caller: a plain key whose entry was
     * already used at this tick of the table's clock (one index lookup, no write), judged by the
     * freshness rule's fast form ({@link Freshness#readyHit}) as a caller's first look. The
     * result is the one the entry keeps for its snapshot, made by the first hit on it (its age is
     * read when asked), so a hit reads neither the snapshot nor a precise clock and allocates
     * nothing. Everything else takes the slow path, which
     * applies the rule itself: a keyed read, the first use in a tick, {@code maxAge} or
     * {@code mustRevalidate}, a miss, a blank key (never stored). A cache being closed empties
     * its table before {@code close()} returns, so from then on every read takes the slow path,
     * which refuses it.
     */
    private @Nullable Result<Object> ready(TypeRegistration type, Entry entry, RequestInfo info) {
        Result<Object> ready = entry.hit();
        Result<Object> hit = ready == null ? null : Freshness.readyHit(type, ready, info);
        if (hit != null) {
            type.metrics.recordGet(TypeMetrics.GetResult.HIT);
        }
        return hit;
    }

    /**
     * The entry a read finds, its use counted, or null (absent or idle). {@code plain} is what
     * the hit path's index lookup found: for a plain key that lookup was the one, so a plain key
     * is looked up once per read, hit or miss.
     */
    private @Nullable Entry find(TypeRegistration type, RequestInfo info, @Nullable Entry plain) {
        if (plain != null) {
            return table.touch(plain);
        }
        return EntryKey.plain(info) ? null : table.getIfPresent(type, info);
    }

    /** A hit on {@code entry} (null when it is not one), by the freshness rule, as a caller's first look; counted. */
    private @Nullable Result<Object> hit(TypeRegistration type, @Nullable Entry entry, RequestInfo info,
                                         long minIndex, boolean watch) {
        Result<Object> hit = judged(type, entry, info, minIndex, watch);
        if (hit != null) {
            type.metrics.recordGet(TypeMetrics.GetResult.HIT);
        }
        return hit;
    }

    /** {@link #hit}, not counted. */
    private @Nullable Result<Object> judged(TypeRegistration type, @Nullable Entry entry, RequestInfo info,
                                            long minIndex, boolean watch) {
        if (entry == null) {
            return null;
        }
        Snapshot snapshot = entry.snapshot();
        if (!Freshness.satisfies(type, snapshot, info, minIndex, Freshness.Look.FIRST, watch, runtime.ticker())) {
            return null;
        }
        return Results.hit(entry, snapshot, runtime.ticker());
    }

    /**
     * A read on behalf of a consistent one ({@link ConsistentReads}), which counts it itself: the
     * entry's value when it satisfies {@code info} at once (a hit, nothing allocated), else the
     * wait for one, made and fetched if need be, like a {@code getAsync} that missed.
     */
    CompletableFuture<Result<Object>> readUncounted(TypeRegistration type, CacheRequest request, RequestInfo info) {
        runtime.requireOpen();
        Entry found = table.getIfPresent(type, info);
        Result<Object> hit = judged(type, found, info, info.minIndex(), false);
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        if (found != null) {
            found.request(request);
        }
        return await(type, request, info, Waiter.Kind.ASYNC_CALLER, found);
    }

    /** The entry's latest result with its state (what its next fetch gets), or null: no entry, or no value yet. */
    @Nullable FetchResult<Object> lastResult(TypeRegistration type, RequestInfo info) {
        Entry entry = table.getQuietly(type, info);
        return entry == null ? null : entry.snapshot().lastResult();
    }

    /** A fetch past the cache (blank key, or a consistent read's fallback). */
    Bypass bypass() {
        return bypass;
    }

    /** Not a ready hit; {@code plain} is the entry the hit path's lookup found, or null. */
    private Result<Object> getSlow(TypeRegistration type, CacheRequest request, RequestInfo info,
                                   @Nullable Entry plain)
            throws InterruptedException {
        runtime.requireOpen();
        if (plain == null && info.key().isBlank()) {
            return bypass.fetch(type, request, info);
        }
        Entry found = find(type, info, plain);
        Result<Object> hit = hit(type, found, info, info.minIndex(), false);
        return hit != null ? hit : getMissed(type, request, info, found);
    }

    private CompletableFuture<Result<Object>> getAsyncSlow(TypeRegistration type, CacheRequest request,
                                                           RequestInfo info, @Nullable Entry plain) {
        runtime.requireOpen();
        if (plain == null && info.key().isBlank()) {
            return bypass.fetchAsync(type, request, info);
        }
        Entry found = find(type, info, plain);
        Result<Object> hit = hit(type, found, info, info.minIndex(), false);
        return hit != null ? CompletableFuture.completedFuture(hit) : getAsyncMissed(type, request, info, found);
    }

    private Result<Object> getMissed(TypeRegistration type, CacheRequest request, RequestInfo info,
                                     @Nullable Entry found) throws InterruptedException {
        missed(type, request, info.minIndex(), found);
        return Futures.await(await(type, request, info, Waiter.Kind.CALLER, found));
    }

    private CompletableFuture<Result<Object>> getAsyncMissed(TypeRegistration type, CacheRequest request,
                                                             RequestInfo info, @Nullable Entry found) {
        missed(type, request, info.minIndex(), found);
        return await(type, request, info, Waiter.Kind.ASYNC_CALLER, found);
    }

    /**
     * A watch's read: the answer when its entry has one now, else null, the watch then
     * following the entry until a store answers it (see {@link Watch#follow}); either way the
     * watch holds the entry it read. Its {@code minIndex} is the index it last delivered for
     * this very entry, so a valid entry below it can only mean the source went backwards, even
     * if that happened between two reads: the watch treats it as a change rather than waiting
     * to pass the old index.
     */
    @Nullable Result<Object> watchRead(Watch watch) {
        runtime.requireOpen();
        TypeRegistration type = watch.delivery.type;
        RequestInfo info = watch.info;
        long minIndex = watch.delivery.minIndex();
        Entry found = table.getIfPresent(type, info);
        if (found != null) {
            watch.holding(found);
            Result<Object> hit = hit(type, found, info, minIndex, true);
            if (hit != null) {
                return hit;
            }
        }
        missed(type, watch.request, minIndex, found);
        Entry entry = waitOn(type, watch.request, info, found);
        watch.holding(entry);
        Snapshot seen = entry.snapshot();
        if (Freshness.satisfies(type, seen, info, minIndex, Freshness.Look.FIRST, true, runtime.ticker())) {
            return Results.of(type, seen, runtime.ticker());
        }
        watch.follow(entry, seen.version());
        return null;
    }

    /** A read that was not a hit on {@code entry} (null: none yet): counts it, and hands its request to the entry. */
    private void missed(TypeRegistration type, CacheRequest request, long minIndex, @Nullable Entry entry) {
        boolean blockingMiss = false;
        if (entry != null) {
            entry.request(request);
            blockingMiss = entry.snapshot().valid() && type.blocking && minIndex > 0;
        }
        type.metrics.recordGet(blockingMiss ? TypeMetrics.GetResult.MISS_BLOCK : TypeMetrics.GetResult.MISS);
    }

    /**
     * A caller's wait on the entry it missed ({@link #waitOn}): answered at once when a store
     * since its first look satisfies it, else by a {@link Waiter}.
     */
    private CompletableFuture<Result<Object>> await(TypeRegistration type, CacheRequest request, RequestInfo info,
                                                    Waiter.Kind kind, @Nullable Entry found) {
        Entry entry = waitOn(type, request, info, found);
        // The first look may have been at an older snapshot, or at none: a store since then may
        // already answer this caller, and the waiter only hears of stores after this one.
        Snapshot seen = entry.snapshot();
        if (Freshness.satisfies(type, seen, info, info.minIndex(), Freshness.Look.FIRST, false,
                runtime.ticker())) {
            return CompletableFuture.completedFuture(Results.of(type, seen, runtime.ticker()));
        }
        Waiter waiter = new Waiter(runtime, table, entry, info, kind, () -> {
            runtime.requireOpen();
            return waitOn(type, request, info, null);
        });
        waiter.start(seen.version());
        return waiter.future;
    }

    /**
     * The entry a read that missed waits on: the one it found, unless that one has left the
     * table since (its removal is told to it later, on the executor, and a reader must not wait
     * on an entry nobody fetches for any more), else the table's entry for {@code info}, made if
     * need be. An entry removed after this look releases its followers with its last value, or,
     * when it has none, sends its waiting callers on to the key's next entry ({@link Waiter#entryRemoved}). A cache
     * closed meanwhile kills it at once (close() may have swept the table before this entry went
     * in), which releases whoever then follows it.
     */
    private Entry waitOn(TypeRegistration type, CacheRequest request, RequestInfo info, @Nullable Entry found) {
        Entry entry = found != null && !table.removed(found) ? found
                : table.computeIfAbsent(type, EntryKey.of(type, info), k -> newEntry(k, type, request));
        if (runtime.isClosed()) {
            entry.kill(true);
        }
        return entry;
    }

    private Entry newEntry(EntryKey key, TypeRegistration type, CacheRequest request) {
        type.metrics.entries.incrementAndGet();
        return new Entry(fetcher, key, type, entryIds.incrementAndGet(), request);
    }

    void prepopulate(TypeRegistration type, RequestInfo info, FetchResult<?> result) {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(result, "result");
        if (info.key().isBlank()) {
            throw new IllegalArgumentException("key must not be blank: blank keys are never cached");
        }
        if (result.unchanged()) {
            throw new IllegalArgumentException("an unchanged result has nothing to prepopulate");
        }
        runtime.requireOpen();
        EntryKey entryKey = EntryKey.of(type, info);
        table.computeIfAbsent(type, entryKey, k -> newEntry(k, type, () -> info)).prepopulate(result);
    }

    static RequestInfo info(CacheRequest request) {
        Objects.requireNonNull(request, "request");
        return Objects.requireNonNull(request.cacheInfo(), "request.cacheInfo()");
    }
}
