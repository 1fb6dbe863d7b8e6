package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.CacheType;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchResult;
import io.watchcache.InvalidOptionException;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.SourceSignals;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The machinery behind {@link io.watchcache.WatchCache}: the registry, the entry table and the
 * read path that joins them. Entries, waiters and watches get only what they use: the
 * {@link CacheRuntime}, the registration they serve, and (entries) the {@link Fetcher}, (waiters)
 * the table that keeps their entry alive, (watches) a {@link Watch.Source}.
 */
public final class CacheEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheEngine.class);

    private final CacheRuntime runtime;
    private final TypeRegistry types;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    /** Registrations whose backing-off entries a queued sweep will retry (see {@code SourceSignals}). */
    private final Set<TypeRegistration> retrySweepsQueued = ConcurrentHashMap.newKeySet();
    private final EntryTable table;
    private final Fetcher fetcher;
    private final Bypass bypass;
    /** Where meters go; null: none. */
    private final @Nullable MeterRegistry registry;
    private final @Nullable ObservationRegistry observations;
    private final AtomicLong entryIds = new AtomicLong();
    private static final long DRAIN_WAIT_SECONDS = 1;
    private final Watch.Source watchSource = new Watch.Source() {
        @Override
        public CompletableFuture<Result<Object>> read(TypeRegistration type, CacheRequest request, RequestInfo info) {
            return watchRead(type, request, info);
        }

        @Override
        public @Nullable Entry hold(TypeRegistration type, RequestInfo info) {
            Entry entry = table.getQuietly(EntryKey.of(type, info));
            if (entry != null) {
                table.hold(entry);
            }
            return entry;
        }

        @Override
        public void release(Entry held) {
            table.release(held);
        }

        @Override
        public void ended(Watch watch) {
            watchEnded(watch);
        }
    };

    public CacheEngine(CacheOptions options) {
        Objects.requireNonNull(options, "options");
        this.runtime = new CacheRuntime(options);
        this.types = new TypeRegistry(options);
        this.fetcher = new Fetcher(runtime);
        this.bypass = new Bypass(runtime, fetcher);
        this.registry = options.meterRegistry();
        this.observations = options.observationRegistry();
        this.table = new EntryTable(options.maxEntries(), runtime.coarseTicker(), runtime.executor(),
                runtime.scheduler(), this::onRemoval);
    }

    // ---- types ----

    @SuppressWarnings("unchecked")
    public <R extends CacheRequest, V> TypedCache<R, V> register(String name, CacheType<R, V> type,
                                                                  @Nullable RegisterOptions overrides) {
        runtime.requireOpen();
        TypedHandle<R, V> handle = (TypedHandle<R, V>) types.register(name, type, overrides,
                registration -> {
                    table.addType(registration);
                    return new TypedHandle<>(this, registration);
                },
                typeName -> new TypeMetrics(registry, observations, typeName));
        TypeRegistration registration = handle.registration();
        type.registered(name, new SourceSignals() {
            @Override
            public boolean reachable() {
                return sourceReachable(registration);
            }

            @Override
            public boolean isOpen() {
                return !runtime.isClosed();
            }

            @Override
            public @Nullable MeterRegistry meterRegistry() {
                return registry;
            }
        });
        return handle;
    }

    /**
     * The type says its source answers again: the entries of {@code type} that wait out a
     * backoff retry now. Signals that come while a sweep is queued join it.
     */
    private boolean sourceReachable(TypeRegistration type) {
        if (runtime.isClosed()) {
            return false;
        }
        if (retrySweepsQueued.add(type)) {
            runtime.execute(() -> {
                retrySweepsQueued.remove(type);
                int retried = 0;
                for (Entry entry : table.entries()) {
                    if (entry.type == type && entry.retryNow()) {
                        retried++;
                    }
                }
                if (retried > 0) {
                    log.debug("Cache type '{}' reports its source reachable: {} entries retry now", type.name,
                            retried);
                }
            });
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    public <R extends CacheRequest, V> TypedCache<R, V> type(String name) {
        return (TypedCache<R, V>) types.get(name);
    }

    public Set<String> typeNames() {
        return types.names();
    }

    // ---- reads ----

    Result<Object> get(TypeRegistration type, CacheRequest request) throws InterruptedException {
        RequestInfo info = info(request);
        Entry recent = table.getRecentPlain(type, info);
        Result<Object> ready = recent == null ? null : ready(type, recent, info);
        return ready != null ? ready : getSlow(type, request, info, recent);
    }

    CompletableFuture<Result<Object>> getAsync(TypeRegistration type, CacheRequest request) {
        RequestInfo info = info(request);
        Entry recent = table.getRecentPlain(type, info);
        Result<Object> ready = recent == null ? null : ready(type, recent, info);
        return ready != null ? CompletableFuture.completedFuture(ready) : getAsyncSlow(type, request, info, recent);
    }

    /**
     * The hit path, small enough to be compiled into its caller: a plain key whose entry was
     * already used at this tick of the table's clock ({@code getRecentPlain}: one index lookup),
     * judged by the freshness rule's fast form ({@link Freshness#readyHit}) as a caller's first
     * look. The result is the one built when the value was stored (its age is read when asked),
     * so a hit reads no clock and allocates nothing. Everything else takes the slow path, which
     * applies the rule itself: a keyed read, the first use in a tick, {@code maxAge} or
     * {@code mustRevalidate}, a miss, a blank key (never stored). A cache being closed empties
     * its table before {@code close()} returns, so from then on every read takes the slow path,
     * which refuses it.
     */
    private @Nullable Result<Object> ready(TypeRegistration type, Entry entry, RequestInfo info) {
        Result<Object> ready = entry.snapshot().hitResult();
        Result<Object> hit = ready == null ? null : Freshness.readyHit(type, ready, info);
        if (hit != null) {
            type.metrics.recordGet(TypeMetrics.GetResult.HIT);
        }
        return hit;
    }

    /** A hit on {@code entry} (null when it is not one), by the freshness rule, as a caller's first look. */
    private @Nullable Result<Object> hit(TypeRegistration type, @Nullable Entry entry, RequestInfo info,
                                         boolean watch) {
        if (entry == null) {
            return null;
        }
        Snapshot snapshot = entry.snapshot();
        if (!Freshness.satisfies(type, snapshot, info, info.minIndex(), Freshness.Look.FIRST, watch,
                runtime.ticker())) {
            return null;
        }
        type.metrics.recordGet(TypeMetrics.GetResult.HIT);
        return Results.of(type, snapshot, true, runtime.ticker());
    }

    /** Not a ready hit; {@code recent} is the entry the hit path found, or null. */
    private Result<Object> getSlow(TypeRegistration type, CacheRequest request, RequestInfo info,
                                   @Nullable Entry recent)
            throws InterruptedException {
        runtime.requireOpen();
        if (recent == null && info.key().isBlank()) {
            return bypass.fetch(type, request, info);
        }
        Entry found = recent != null ? recent : table.getIfPresent(type, info);
        Result<Object> hit = hit(type, found, info, false);
        return hit != null ? hit : getMissed(type, request, info, found);
    }

    private CompletableFuture<Result<Object>> getAsyncSlow(TypeRegistration type, CacheRequest request,
                                                           RequestInfo info, @Nullable Entry recent) {
        runtime.requireOpen();
        if (recent == null && info.key().isBlank()) {
            return bypass.fetchAsync(type, request, info);
        }
        Entry found = recent != null ? recent : table.getIfPresent(type, info);
        Result<Object> hit = hit(type, found, info, false);
        return hit != null ? CompletableFuture.completedFuture(hit) : getAsyncMissed(type, request, info, found);
    }

    private Result<Object> getMissed(TypeRegistration type, CacheRequest request, RequestInfo info,
                                     @Nullable Entry found) throws InterruptedException {
        missed(type, request, info, found);
        CompletableFuture<Result<Object>> future = await(type, request, info, Waiter.Kind.CALLER);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private CompletableFuture<Result<Object>> getAsyncMissed(TypeRegistration type, CacheRequest request,
                                                             RequestInfo info, @Nullable Entry found) {
        missed(type, request, info, found);
        return await(type, request, info, Waiter.Kind.ASYNC_CALLER);
    }

    /**
     * A watch's read. Its {@code minIndex} is the index it last delivered for this very entry,
     * so a valid entry below it can only mean the source went backwards, even if that happened
     * between two reads: the watch treats it as a change rather than waiting to pass the old index.
     * Completes inline; the watch hops to the executor itself.
     */
    private CompletableFuture<Result<Object>> watchRead(TypeRegistration type, CacheRequest request, RequestInfo info) {
        runtime.requireOpen();
        Entry found = table.getIfPresent(type, info);
        Result<Object> hit = hit(type, found, info, true);
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        missed(type, request, info, found);
        return await(type, request, info, Waiter.Kind.WATCH);
    }

    /** A read that was not a hit on {@code entry} (null: none yet): counts it, and hands its request to the entry. */
    private void missed(TypeRegistration type, CacheRequest request, RequestInfo info, @Nullable Entry entry) {
        boolean blockingMiss = false;
        if (entry != null) {
            entry.request(request);
            blockingMiss = entry.snapshot().valid() && type.blocking && info.minIndex() > 0;
        }
        type.metrics.recordGet(blockingMiss ? TypeMetrics.GetResult.MISS_BLOCK : TypeMetrics.GetResult.MISS);
    }

    /**
     * Waits on the table's entry for {@code info}, made if need be. The entry the first look
     * found is not reused: it may have left the table since (its removal is told to it later, on
     * the executor), and a caller must not wait on an entry nobody fetches for any more.
     */
    private CompletableFuture<Result<Object>> await(TypeRegistration type, CacheRequest request, RequestInfo info,
                                                    Waiter.Kind kind) {
        Entry entry = table.computeIfAbsent(EntryKey.of(type, info), k -> newEntry(k, type, request));
        if (runtime.isClosed()) {
            // close() may have swept the table before this entry went in.
            entry.kill(true);
        }
        // The first look may have been at an older snapshot, or at none: a store since then may
        // already answer this caller, and the waiter only hears of stores after this one.
        Snapshot seen = entry.snapshot();
        if (Freshness.satisfies(type, seen, info, info.minIndex(), Freshness.Look.FIRST, kind == Waiter.Kind.WATCH,
                runtime.ticker())) {
            return CompletableFuture.completedFuture(Results.of(type, seen, false, runtime.ticker()));
        }
        Waiter waiter = new Waiter(runtime, table, entry, info, kind);
        waiter.start(seen.version());
        return waiter.future;
    }

    private Entry newEntry(EntryKey key, TypeRegistration type, CacheRequest request) {
        type.metrics.entries.incrementAndGet();
        return new Entry(runtime, fetcher, key, type, entryIds.incrementAndGet(), request);
    }

    // ---- watches ----

    Watch watch(TypeRegistration type, CacheRequest request, String correlationId,
                Consumer<UpdateEvent<Object>> listener) {
        RequestInfo info = info(request);
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(listener, "listener");
        if (info.key().isBlank()) {
            throw new InvalidOptionException("key", info.key(), "must not be blank to watch cache type '"
                    + type.name + "': a blank key means \"do not cache\", and only cached entries can be watched");
        }
        runtime.requireOpen();
        Watch watch;
        if (type.blocking) {
            watch = new BlockingWatch(runtime, watchSource, type, request, info, correlationId, listener);
        } else {
            if (info.maxAge() == null || info.maxAge().isZero()) {
                throw new InvalidOptionException("maxAge", info.maxAge(), "must be set to watch cache type '"
                        + type.name + "': the type does not support blocking queries, so the watch polls every"
                        + " maxAge");
            }
            watch = new PollingWatch(runtime, watchSource, type, request, info, correlationId, listener);
        }
        watches.add(watch);
        type.metrics.watches.incrementAndGet();
        if (runtime.isClosed()) {
            watch.cancel();
        } else {
            watch.start();
        }
        return watch;
    }

    private void watchEnded(Watch watch) {
        if (watches.remove(watch)) {
            watch.type.metrics.watches.decrementAndGet();
        }
    }

    // ---- prepopulate, evict, options, introspection ----

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
        table.computeIfAbsent(entryKey, k -> newEntry(k, type, () -> info)).prepopulate(result);
    }

    /**
     * Removes the entry with this {@link CacheSnapshot.EntryView#id()}; false if there is none.
     * The entry is stopped before this returns (its fetch cancelled, its waiters answered, its
     * state closed), not later in the removal callback: a caller that evicts and then closes the
     * source's client must not see the entry fail on the closed client.
     */
    public boolean evict(String entryId) {
        Objects.requireNonNull(entryId, "entryId");
        long parsed;
        try {
            parsed = Long.parseLong(entryId, 36);
        } catch (NumberFormatException e) {
            return false;
        }
        for (Entry entry : table.entries()) {
            if (entry.hasId(parsed, entryId)) {
                if (!table.remove(entry)) {
                    return false;
                }
                entry.kill(runtime.isClosed());
                return true;
            }
        }
        return false;
    }

    public boolean reloadOptions(CacheOptions next) {
        Objects.requireNonNull(next, "options");
        Backoff backoffBefore = runtime.backoff();
        CacheOptions previous = runtime.reload(next);
        boolean rateChanged = previous.entryFetchRate() != next.entryFetchRate()
                || previous.entryFetchMaxBurst() != next.entryFetchMaxBurst();
        if (rateChanged) {
            for (Entry entry : table.entries()) {
                entry.configureRate(next.entryFetchRate(), next.entryFetchMaxBurst());
            }
        }
        return rateChanged || !backoffBefore.equals(runtime.backoff());
    }

    public CacheSnapshot snapshot() {
        List<TypeRegistration> registrations = new ArrayList<>();
        for (TypedHandle<?, ?> handle : types.all()) {
            registrations.add(handle.registration());
        }
        return Introspection.snapshot(registrations, table.entries(), watches, runtime.now());
    }

    /** Runs Caffeine's pending maintenance (expiry, removal callbacks); for tests and shutdown. */
    public void cleanUp() {
        table.cleanUp();
    }

    // ---- drain and close ----

    /** See {@link io.watchcache.WatchCache#drain()}. */
    public int drain() {
        runtime.markDraining();
        List<CompletableFuture<?>> answered = new ArrayList<>();
        for (Entry entry : List.copyOf(table.entries())) {
            // Answered outside the entry's lock: an answer runs the caller's continuation.
            for (Entry.Follower caller : entry.waitingCallers()) {
                answered.add(caller.answerNow());
            }
        }
        // An async caller's answer hops to the executor; wait (briefly) until it has landed, so
        // that what runs after drain() sees every caller answered.
        try {
            CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).get(DRAIN_WAIT_SECONDS,
                    TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // A caller's continuation failed or is slow: it has its answer all the same.
        }
        return answered.size();
    }

    public boolean isDraining() {
        return runtime.draining();
    }

    @Override
    public void close() {
        if (!runtime.markClosed()) {
            return;
        }
        for (Watch watch : List.copyOf(watches)) {
            watch.cancel();
        }
        for (Entry entry : List.copyOf(table.entries())) {
            entry.kill(true);
        }
        table.removeAll();
        // Interrupts fetches still running their type's code; nothing waits for them.
        runtime.shutdown();
    }

    public boolean isClosed() {
        return runtime.isClosed();
    }

    private void onRemoval(Entry entry, RemovalCause cause) {
        entry.type.metrics.entries.decrementAndGet();
        boolean closing = runtime.isClosed();
        if (cause == RemovalCause.EXPIRED) {
            entry.type.metrics.recordEviction(TypeMetrics.Eviction.EXPIRED);
        } else if (cause == RemovalCause.SIZE) {
            entry.type.metrics.recordEviction(TypeMetrics.Eviction.SIZE);
        } else if (!closing) {
            entry.type.metrics.recordEviction(TypeMetrics.Eviction.EXPLICIT);
        }
        entry.kill(closing);
    }

    private static RequestInfo info(CacheRequest request) {
        Objects.requireNonNull(request, "request");
        return Objects.requireNonNull(request.cacheInfo(), "request.cacheInfo()");
    }

    private static RuntimeException rethrow(@Nullable Throwable error) {
        if (error instanceof FetchFailedException failed) {
            // A fresh exception per caller: the stored one would carry another thread's stack.
            return new FetchFailedException(failed.getMessage(), failed.getCause(), failed.lastValue(), failed.meta());
        }
        if (error instanceof RuntimeException runtime) {
            return runtime;
        }
        if (error instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(error);
    }
}
