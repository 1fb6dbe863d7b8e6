package io.watchcache.internal;

import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.CacheType;
import io.watchcache.RegisterOptions;
import io.watchcache.SourceSignals;
import io.watchcache.TypedCache;
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

/**
 * The machinery behind {@link io.watchcache.WatchCache}: it makes the parts and joins them (the
 * registry, the entry table, the {@link Reads read path}, the {@link Watches watches}) and runs
 * what spans them all: eviction, reloaded options, introspection, drain and close. Entries,
 * waiters and watches get only what they use: the {@link CacheRuntime}, the registration they
 * serve, and (entries) the {@link Fetcher}, (waiters) the table that keeps their entry alive,
 * (watches) a {@link WatchSource}.
 */
public final class CacheEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheEngine.class);

    private final CacheRuntime runtime;
    private final TypeRegistry types;
    /** Registrations whose backing-off entries a queued sweep will retry (see {@code SourceSignals}). */
    private final Set<TypeRegistration> retrySweepsQueued = ConcurrentHashMap.newKeySet();
    private final EntryTable table;
    private final Reads reads;
    private final ConsistentReads consistent;
    private final Watches watches;
    /** Where meters go; null: none. */
    private final @Nullable MeterRegistry registry;
    private final @Nullable ObservationRegistry observations;
    /** Whether types also get Micrometer's cache meters ({@link CacheOptions#cacheMeters()}). */
    private final boolean cacheMeters;
    private static final long DRAIN_WAIT_SECONDS = 1;

    public CacheEngine(CacheOptions options) {
        Objects.requireNonNull(options, "options");
        this.runtime = new CacheRuntime(options);
        this.types = new TypeRegistry(options);
        this.registry = options.meterRegistry();
        this.observations = options.observationRegistry();
        this.cacheMeters = options.cacheMeters();
        this.table = new EntryTable(options.maxEntries(), runtime.coarseTicker(), runtime.executor(),
                runtime.scheduler(), this::onRemoval);
        this.reads = new Reads(runtime, table, new Fetcher(runtime));
        ConsistentReads consistent = new ConsistentReads(runtime, reads);
        this.consistent = consistent;
        this.watches = new Watches(runtime, reads, consistent, table);
    }

    // ---- types ----

    @SuppressWarnings("unchecked")
    public <R extends CacheRequest, V> TypedCache<R, V> register(String name, CacheType<R, V> type,
                                                                  @Nullable RegisterOptions overrides) {
        runtime.requireOpen();
        TypedHandle<R, V> handle = (TypedHandle<R, V>) types.register(name, type, overrides,
                registration -> new TypedHandle<>(reads, consistent, watches, registration,
                        table.addType(registration)),
                typeName -> new TypeMetrics(registry, observations, typeName, cacheMeters));
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
                    if (entry.type == type && entry.loop.retryNow()) {
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

    // ---- evict, options, introspection ----

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
                entry.loop.configureRate(next.entryFetchRate(), next.entryFetchMaxBurst());
            }
        }
        return rateChanged || !backoffBefore.equals(runtime.backoff());
    }

    public CacheSnapshot snapshot() {
        List<TypeRegistration> registrations = new ArrayList<>();
        for (TypedHandle<?, ?> handle : types.all()) {
            registrations.add(handle.registration());
        }
        return Introspection.snapshot(registrations, table.entries(), watches.all(), runtime.now());
    }

    // ---- drain and close ----

    /** See {@link io.watchcache.WatchCache#drain()}. */
    public int drain() {
        runtime.markDraining();
        List<CompletableFuture<?>> answered = new ArrayList<>();
        for (Entry entry : List.copyOf(table.entries())) {
            // Answered outside the entry's lock: an answer runs the caller's continuation.
            for (Follower caller : entry.waitingCallers()) {
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
        watches.cancelAll();
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
}
