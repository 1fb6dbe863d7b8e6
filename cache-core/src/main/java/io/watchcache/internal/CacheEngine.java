package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.CacheType;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.Subscription;
import io.watchcache.Ticker;
import io.watchcache.UpdateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The machinery behind {@link io.watchcache.WatchCache}: the type registry, the read path,
 * and the shared services entries and watches use (time, timer, executor, backoff, metrics).
 */
public final class CacheEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheEngine.class);

    private final ConcurrentHashMap<String, TypeRegistration> types = new ConcurrentHashMap<>();
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final EntryTable table;
    private final Bypass bypass = new Bypass(this);
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledThreadPoolExecutor timer;
    private final Ticker ticker;
    private final MeterRegistry registry;
    private final CacheOptions initialOptions;
    private final AtomicLong entryIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Swapped whole by {@link #reloadOptions}; read by every fetch. */
    private volatile CacheOptions options;
    private volatile Backoff backoff;

    public CacheEngine(CacheOptions options) {
        Objects.requireNonNull(options, "options");
        this.options = options;
        this.initialOptions = options;
        this.backoff = Backoff.from(options);
        this.ticker = options.ticker();
        this.timer = Threads.timer();
        this.ownedExecutor = options.executor() != null ? null : Threads.ownExecutor(options.virtualThreads(), timer);
        this.executor = ownedExecutor != null ? ownedExecutor : options.executor();
        this.registry = options.meterRegistry() != null ? options.meterRegistry() : new CompositeMeterRegistry();
        this.table = new EntryTable(options.maxEntries(), ticker, executor, timer, this::onRemoval);
    }

    // ---- types ----

    public void registerType(String name, CacheType<?, ?> type, RegisterOptions overrides) {
        requireName(name);
        Objects.requireNonNull(type, "type");
        requireOpen();
        RegisterOptions own = Objects.requireNonNull(type.registerOptions(),
                "registerOptions() of cache type '" + name + "'");
        RegisterOptions merged = own.overriddenBy(overrides);
        RegisterOptions effective = merged.toBuilder()
                .queryTimeout(merged.queryTimeout() != null ? merged.queryTimeout() : initialOptions.defaultQueryTimeout())
                .lastGetTtl(merged.lastGetTtl() != null ? merged.lastGetTtl() : initialOptions.defaultLastGetTtl())
                .build();
        types.compute(name, (n, existing) -> {
            if (existing != null) {
                throw new IllegalArgumentException("cache type '" + name + "' is already registered");
            }
            TypeMetrics metrics = new TypeMetrics(registry, name, this, engine -> engine.lostContactCount(name));
            return new TypeRegistration(name, type, effective, metrics);
        });
    }

    private TypeRegistration type(String name) {
        Objects.requireNonNull(name, "type name");
        TypeRegistration type = types.get(name);
        if (type == null) {
            // Checked only here: a registered name is never blank, so a hit needs no scan of it.
            requireName(name);
            throw new IllegalArgumentException("unknown cache type '" + name + "'; registered: " + types.keySet());
        }
        return type;
    }

    // ---- get ----

    public <V> Result<V> get(String typeName, CacheRequest request) throws InterruptedException {
        TypeRegistration type = type(typeName);
        RequestInfo info = info(request);
        if (info.key().isBlank()) {
            requireOpen();
            return cast(bypass.fetch(type, request, info));
        }
        EntryKey key = EntryKey.of(type, info);
        Result<Object> hit = lookup(key, type, request, info, false);
        if (hit != null) {
            return cast(hit);
        }
        CompletableFuture<Result<Object>> future = await(key, type, request, info, true, false);
        try {
            return cast(future.get());
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    public <V> CompletableFuture<Result<V>> getAsync(String typeName, CacheRequest request) {
        TypeRegistration type = type(typeName);
        RequestInfo info = info(request);
        if (info.key().isBlank()) {
            requireOpen();
            return cast(bypass.fetchAsync(type, request, info));
        }
        EntryKey key = EntryKey.of(type, info);
        Result<Object> hit = lookup(key, type, request, info, false);
        return cast(hit != null ? CompletableFuture.completedFuture(hit)
                : await(key, type, request, info, false, false));
    }

    /**
     * A watch's read. Its {@code minIndex} is the index it last delivered for this very entry,
     * so a valid entry below it can only mean the source went backwards, even if that happened
     * between two reads: the watch treats it as a change rather than waiting to pass the old index.
     * Completes inline; the watch hops to the executor itself.
     */
    CompletableFuture<Result<Object>> watchRead(TypeRegistration type, CacheRequest request, RequestInfo info) {
        EntryKey key = EntryKey.of(type, info);
        Result<Object> hit = lookup(key, type, request, info, true);
        return hit != null ? CompletableFuture.completedFuture(hit) : await(key, type, request, info, true, true);
    }

    /** The first look: a hit returns the result; a miss returns null and the caller waits. */
    private Result<Object> lookup(EntryKey key, TypeRegistration type, CacheRequest request, RequestInfo info,
                                  boolean followResets) {
        requireOpen();
        Entry entry = table.getIfPresent(key);
        boolean blockingMiss = false;
        if (entry != null) {
            Snapshot snapshot = entry.snapshot();
            if (satisfiesFirstLook(type, snapshot, info, followResets)) {
                type.metrics.get(TypeMetrics.GetResult.HIT);
                return result(type, snapshot, true);
            }
            entry.request(request);
            blockingMiss = snapshot.valid() && type.blocking && info.minIndex() > 0;
        }
        type.metrics.get(blockingMiss ? TypeMetrics.GetResult.MISS_BLOCK : TypeMetrics.GetResult.MISS);
        return null;
    }

    private boolean satisfiesFirstLook(TypeRegistration type, Snapshot snapshot, RequestInfo info,
                                       boolean followResets) {
        if (!snapshot.valid()) {
            return false;
        }
        if (type.blocking && info.minIndex() > 0 && info.minIndex() >= snapshot.index()
                && !(followResets && snapshot.index() < info.minIndex())) {
            return false;
        }
        // Only non-refreshing types can be stale: a refreshing one is kept current in the background.
        return !(tooOld(type, snapshot, info) || (!type.refresh && info.mustRevalidate()));
    }

    boolean tooOld(TypeRegistration type, Snapshot snapshot, RequestInfo info) {
        return !type.refresh && info.maxAge() != null && now() - snapshot.fetchedAtNanos() > info.maxAge().toNanos();
    }

    private CompletableFuture<Result<Object>> await(EntryKey key, TypeRegistration type, CacheRequest request,
                                                    RequestInfo info, boolean completeInline, boolean followResets) {
        Entry entry = table.computeIfAbsent(key, k -> newEntry(k, type, request));
        if (closed.get()) {
            // close() may have swept the table before this entry went in.
            entry.kill(true);
        }
        // The first look may have been at an older snapshot, or at none: a store since then may
        // already answer this caller, and the waiter only hears of stores after this one.
        Snapshot seen = entry.snapshot();
        if (satisfiesFirstLook(type, seen, info, followResets)) {
            return CompletableFuture.completedFuture(result(type, seen, false));
        }
        Waiter waiter = new Waiter(this, entry, info, completeInline, followResets);
        waiter.start(seen.version());
        return waiter.future;
    }

    private Entry newEntry(EntryKey key, TypeRegistration type, CacheRequest request) {
        type.metrics.entries.incrementAndGet();
        Entry entry = new Entry(this, key, type, Long.toString(entryIds.incrementAndGet(), 36), request);
        entry.renewedAt = table.expiryNow();
        return entry;
    }

    // ---- notify ----

    public <V> Subscription notify(String typeName, CacheRequest request, String correlationId,
                                   Consumer<? super UpdateEvent<V>> listener) {
        TypeRegistration type = type(typeName);
        RequestInfo info = info(request);
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        @SuppressWarnings("unchecked")
        Consumer<UpdateEvent<Object>> untyped = (Consumer<UpdateEvent<Object>>) (Consumer<?>) listener;
        Watch watch;
        if (type.blocking) {
            watch = new BlockingWatch(this, type, request, info, correlationId, untyped);
        } else {
            if (info.maxAge() == null || info.maxAge().isZero()) {
                throw new IllegalArgumentException("watching cache type '" + type.name
                        + "' needs a maxAge on the request: the type does not support blocking,"
                        + " so the watch polls every maxAge");
            }
            watch = new PollingWatch(this, type, request, info, correlationId, untyped);
        }
        watches.add(watch);
        type.metrics.watches.incrementAndGet();
        if (closed.get()) {
            watch.cancel();
        } else {
            watch.start();
        }
        return watch;
    }

    void watchEnded(Watch watch) {
        if (watches.remove(watch)) {
            watch.type.metrics.watches.decrementAndGet();
        }
    }

    // ---- prepopulate, evict, options, introspection ----

    public void prepopulate(String typeName, FetchResult<?> result, String partition, String token, String key) {
        TypeRegistration type = type(typeName);
        Objects.requireNonNull(result, "result");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("key must not be blank: blank keys are never cached");
        }
        if (result.value() == null && !result.notModified()) {
            throw new IllegalArgumentException("result must carry a value to prepopulate");
        }
        requireOpen();
        RequestInfo info = RequestInfo.builder().key(key).partition(partition).token(token).build();
        EntryKey entryKey = EntryKey.of(type, info);
        table.computeIfAbsent(entryKey, k -> newEntry(k, type, () -> info)).prepopulate(result);
    }

    /** Removes the entry with this {@link CacheSnapshot.EntryView#id()}; false if there is none. */
    public boolean evict(String entryId) {
        Objects.requireNonNull(entryId, "entryId");
        for (Entry entry : table.entries()) {
            if (entry.id.equals(entryId)) {
                return table.remove(entry);
            }
        }
        return false;
    }

    public boolean reloadOptions(CacheOptions next) {
        Objects.requireNonNull(next, "options");
        CacheOptions previous = options;
        boolean rateChanged = previous.entryFetchRate() != next.entryFetchRate()
                || previous.entryFetchMaxBurst() != next.entryFetchMaxBurst();
        Backoff nextBackoff = Backoff.from(next);
        boolean backoffChanged = !nextBackoff.equals(backoff);
        options = next;
        backoff = nextBackoff;
        if (rateChanged) {
            for (Entry entry : table.entries()) {
                entry.bucket.configure(next.entryFetchRate(), next.entryFetchMaxBurst());
            }
        }
        return rateChanged || backoffChanged;
    }

    public CacheSnapshot snapshot() {
        return Introspection.snapshot(types.values(), table.entries(), watches, now());
    }

    private double lostContactCount(String typeName) {
        long count = 0;
        for (Entry entry : table.entries()) {
            if (entry.type.name.equals(typeName) && entry.type.refresh && entry.snapshot().lostContact()) {
                count++;
            }
        }
        return count;
    }

    /** Runs Caffeine's pending maintenance (expiry, removal callbacks); for tests and shutdown. */
    public void cleanUp() {
        table.cleanUp();
    }

    // ---- close ----

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Watch watch : List.copyOf(watches)) {
            watch.cancel();
        }
        for (Entry entry : List.copyOf(table.entries())) {
            entry.kill(true);
        }
        table.removeAll();
        timer.shutdownNow();
        if (ownedExecutor != null) {
            // Interrupts fetches still running their type's code; nothing waits for them.
            ownedExecutor.shutdownNow();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    private void onRemoval(Entry entry, RemovalCause cause) {
        entry.type.metrics.entries.decrementAndGet();
        if (cause == RemovalCause.EXPIRED) {
            entry.type.metrics.eviction(TypeMetrics.Eviction.EXPIRED);
        } else if (cause == RemovalCause.SIZE) {
            entry.type.metrics.eviction(TypeMetrics.Eviction.SIZE);
        } else if (!closed.get()) {
            entry.type.metrics.eviction(TypeMetrics.Eviction.EXPLICIT);
        }
        entry.kill(closed.get());
    }

    // ---- services for entries, waiters and watches ----

    long now() {
        return ticker.read();
    }

    Backoff backoff() {
        return backoff;
    }

    TokenBucket newBucket() {
        CacheOptions current = options;
        return new TokenBucket(current.entryFetchRate(), current.entryFetchMaxBurst());
    }

    void touch(Entry entry) {
        table.touch(entry);
    }

    /** Runs {@code task} on the executor; after close, work that is refused is dropped. */
    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed.get()) {
                throw e;
            }
        }
    }

    /** Runs {@code task} on the executor after {@code delayNanos}; the timer thread only counts time. */
    Future<?> schedule(long delayNanos, Runnable task) {
        try {
            return timer.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (!closed.get()) {
                throw e;
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    Executor executor() {
        return executor;
    }

    ResultMeta meta(TypeRegistration type, Snapshot snapshot, boolean hit) {
        Duration age;
        if (type.refresh) {
            // A refreshing entry is as fresh as the source while its background query is healthy.
            age = snapshot.lostContact() ? Duration.ofNanos(Math.max(0, now() - snapshot.lostContactNanos()))
                    : Duration.ZERO;
        } else {
            age = snapshot.valid() ? Duration.ofNanos(Math.max(0, now() - snapshot.fetchedAtNanos())) : Duration.ZERO;
        }
        return new ResultMeta(hit, age, snapshot.index());
    }

    Result<Object> result(TypeRegistration type, Snapshot snapshot, boolean hit) {
        return new Result<>(snapshot.value(), meta(type, snapshot, hit));
    }

    void closeQuietly(Object state, EntryKey key) {
        if (state instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("Closing the state of {} failed", key, e);
            }
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("WatchCache is closed");
        }
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "type name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("type name must not be blank");
        }
    }

    private static RequestInfo info(CacheRequest request) {
        Objects.requireNonNull(request, "request");
        return Objects.requireNonNull(request.cacheInfo(), "request.cacheInfo()");
    }

    private static RuntimeException rethrow(Throwable error) {
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

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
