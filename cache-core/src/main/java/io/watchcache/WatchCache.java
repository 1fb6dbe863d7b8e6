package io.watchcache;

import io.watchcache.internal.CacheEngine;

import java.util.Objects;
import java.util.Set;

/**
 * A local, always-fresh cache of index-versioned remote data.
 *
 * <pre>{@code
 * WatchCache cache = WatchCache.create();
 * TypedCache<KvRequest, String> kv = cache.register("kv", new KvType(client));   // how to fetch
 * Result<String> r = kv.get(new KvRequest("config/feature-x"));
 * Subscription s = kv.watch(new KvRequest("config/feature-x"), "feature-x",
 *         event -> System.out.println(event.value()));
 * LiveValue<String> flag = kv.live(new KvRequest("config/feature-x"));      // flag.get(): a field read
 * }</pre>
 *
 * <p>Thread-safe. Reads of a cached value take no lock. Fetches and watch loops run on the
 * executor from {@link CacheOptions}; {@link #close()} stops everything promptly, even while
 * blocking queries are pending.
 */
public final class WatchCache implements AutoCloseable {

    private final CacheEngine engine;

    public WatchCache(CacheOptions options) {
        this.engine = new CacheEngine(Objects.requireNonNull(options, "options"));
    }

    /** A cache with {@link CacheOptions#defaults()}. */
    public static WatchCache create() {
        return new WatchCache(CacheOptions.defaults());
    }

    /**
     * Registers {@code type} under {@code name} with the type's own {@link CacheType#registerOptions()}
     * and returns its typed handle.
     *
     * @throws IllegalArgumentException when {@code name} is blank or already registered
     */
    public <R extends CacheRequest, V> TypedCache<R, V> register(String name, CacheType<R, V> type) {
        return engine.register(name, type, null);
    }

    /**
     * Registers {@code type} with {@code overrides} laid on top of its own options: every
     * duration the overrides set, their {@code refresh} and their {@code consistentReads} win (see
     * {@link RegisterOptions#overriddenBy}).
     */
    public <R extends CacheRequest, V> TypedCache<R, V> register(String name, CacheType<R, V> type,
                                                                  RegisterOptions overrides) {
        return engine.register(name, type, Objects.requireNonNull(overrides, "overrides"));
    }

    /**
     * The handle of the type registered under {@code name}, for callers that only know a name
     * (configuration, an HTTP API). The type parameters are the caller's claim: prefer the
     * handle {@link #register} returned.
     *
     * @throws UnknownTypeException when no type is registered under {@code name}
     */
    public <R extends CacheRequest, V> TypedCache<R, V> type(String name) {
        return engine.type(name);
    }

    /** The names of the registered types, in registration order. */
    public Set<String> typeNames() {
        return engine.typeNames();
    }

    /**
     * Applies the fetch rate limit (to live entries too) and the backoff settings of
     * {@code options}; other settings keep the values the cache was built with.
     *
     * @return whether anything that can be reloaded changed
     */
    public boolean reloadOptions(CacheOptions options) {
        return engine.reloadOptions(options);
    }

    /** A view of the types, entries and watches, for operators; it never contains a token. */
    public CacheSnapshot snapshot() {
        return engine.snapshot();
    }

    /** Removes the entry with {@code entryId} (see {@link CacheSnapshot.EntryView#id()}). */
    public boolean evict(String entryId) {
        return engine.evict(entryId);
    }

    public boolean isClosed() {
        return engine.isClosed();
    }

    /**
     * Gets the cache ready for shutdown without closing it: every caller waiting in
     * {@code get}/{@code getAsync} is answered now with its entry's current value, as if its
     * wait had timed out, and from now on a call that would wait is answered the same way at
     * once. Hits, watches, live values and background refresh go on until {@link #close()}.
     * Call it before a server stops taking requests, so that parked long polls get their answer
     * instead of holding the shutdown up. Returns once the answers have landed (an async
     * caller's hops to the executor; it waits at most a second for them). Idempotent.
     *
     * @return how many waiting callers were answered
     */
    public int drain() {
        return engine.drain();
    }

    /** Whether {@link #drain()} was called. */
    public boolean isDraining() {
        return engine.isDraining();
    }

    /**
     * Stops all background work, interrupts in-flight fetches, ends every subscription and
     * releases waiting callers (with an {@link IllegalStateException}). Returns without waiting
     * for blocking queries. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }
}
