package io.watchcache;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One registered cache type, typed: what {@link WatchCache#register} returns. Resolve it once
 * and keep it; its reads skip the type-name lookup, and {@code V} is the type's own value type,
 * so a caller cannot ask for another.
 *
 * @param <R> the request type
 * @param <V> the value type
 */
public interface TypedCache<R extends CacheRequest, V> {

    /** The name the type was registered under. */
    String name();

    /** The effective options: the type's own, the registration's overrides, the cache's defaults. */
    RegisterOptions options();

    /**
     * Reads the value for {@code request}: from the cache when it satisfies the request, else
     * after a fetch shared with every concurrent caller of the same entry.
     *
     * @throws FetchFailedException  when this call had to wait and the fetch failed
     * @throws IllegalStateException when the cache is closed
     * @throws InterruptedException  when the calling thread is interrupted while waiting
     */
    Result<V> get(R request) throws InterruptedException;

    /**
     * {@link #get} without a waiting thread. Cancelling the future takes the caller off the
     * entry. A hit returns a future that is already complete (continuations then run on the
     * calling thread); a caller that waits is answered on the cache's executor, never on a
     * fetch's thread.
     */
    CompletableFuture<Result<V>> getAsync(R request);

    /**
     * Watches the value behind {@code request}: {@code listener} gets the current value at once,
     * then an event on every change, and errors as events (with backoff). Watchers of one
     * request share its entry and fetches. For types that do not support blocking the request
     * must carry a {@code maxAge}, the polling interval.
     *
     * @throws IllegalArgumentException for a blank key (it cannot be cached, so not watched), a
     *                                  polling watch without {@code maxAge}, or a consistent watch
     *                                  on a type that cannot tell the index its entries must reach
     */
    Subscription watch(R request, String correlationId, Consumer<? super UpdateEvent<V>> listener);

    /**
     * A held, always-fresh value: keeps its entry alive and current while open; its
     * {@link LiveValue#get()} then costs a volatile read.
     *
     * Its watch shows in snapshots (and the actuator endpoint) with the correlation id
     * {@code "live value"}; {@link #live(CacheRequest, String)} names it.
     *
     * @throws IllegalArgumentException as for {@link #watch}
     */
    LiveValue<V> live(R request);

    /**
     * {@link #live(CacheRequest)} with a name: its watch's correlation id is
     * {@code "live value <name>"}, as Spring readiness names a {@code LiveValue} bean (give it the
     * bean's name).
     *
     * @throws IllegalArgumentException as for {@link #watch}
     */
    LiveValue<V> live(R request, String name);

    /**
     * Stores {@code result} as a valid entry for {@code info}'s partition, token and key, as if
     * it had been fetched; starts no fetch.
     *
     * @throws IllegalArgumentException for a blank key, or an {@link FetchResult#unchanged unchanged} result
     */
    void prepopulate(RequestInfo info, FetchResult<V> result);
}
