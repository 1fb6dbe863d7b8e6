package io.watchcache;

import io.watchcache.internal.CacheEngine;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A local, always-fresh cache of index-versioned remote data.
 *
 * <pre>{@code
 * WatchCache cache = WatchCache.create();
 * cache.registerType("kv", new KvType(client));          // a CacheType: how to fetch
 * Result<String> r = cache.get("kv", () -> RequestInfo.of("config/feature-x"));
 * Subscription s = cache.notify("kv", () -> RequestInfo.of("config/feature-x"), "feature-x",
 *         event -> System.out.println(event.result()));
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

    /** Registers {@code type} under {@code name} with the type's own {@link CacheType#registerOptions()}. */
    public void registerType(String name, CacheType<?, ?> type) {
        engine.registerType(name, type, null);
    }

    /**
     * Registers {@code type} with {@code overrides} laid on top of its own options: every
     * duration the overrides set and their {@code refresh} win (see {@link RegisterOptions#overriddenBy}).
     */
    public void registerType(String name, CacheType<?, ?> type, RegisterOptions overrides) {
        engine.registerType(name, type, Objects.requireNonNull(overrides, "overrides"));
    }

    /**
     * Reads the value for {@code request}: from the cache when it satisfies the request, else
     * after a fetch shared with every concurrent caller of the same entry.
     *
     * @throws FetchFailedException  when this call had to wait and the fetch failed
     * @throws IllegalStateException when the cache is closed
     * @throws InterruptedException  when the calling thread is interrupted while waiting
     */
    public <V> Result<V> get(String type, CacheRequest request) throws InterruptedException {
        return engine.get(type, request);
    }

    /**
     * {@link #get} without a waiting thread. Cancelling the future takes the caller off the
     * entry. The future completes on the cache's executor, never on a fetch's thread.
     */
    public <V> CompletableFuture<Result<V>> getAsync(String type, CacheRequest request) {
        return engine.getAsync(type, request);
    }

    /**
     * Watches the value behind {@code request}: {@code listener} gets the current value at once,
     * then an event on every change, and errors as events (with backoff). Watchers of one
     * request share its entry and fetches. For types that do not support blocking the request
     * must carry a {@code maxAge}, the polling interval.
     *
     * @throws IllegalArgumentException for an unknown type, or a polling watch without {@code maxAge}
     */
    public <V> Subscription notify(String type, CacheRequest request, String correlationId,
                                   Consumer<? super UpdateEvent<V>> listener) {
        return engine.notify(type, request, correlationId, listener);
    }

    /** Stores {@code result} as a valid entry, as if it had been fetched; starts no fetch. */
    public void prepopulate(String type, FetchResult<?> result, String partition, String token, String key) {
        engine.prepopulate(type, result, partition, token, key);
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
     * Stops all background work, interrupts in-flight fetches, ends every subscription and
     * releases waiting callers (with an {@link IllegalStateException}). Returns without waiting
     * for blocking queries. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** For tests: runs pending expiry and removal work now. */
    void cleanUp() {
        engine.cleanUp();
    }
}
