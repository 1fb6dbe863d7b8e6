package io.watchcache;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * What a cache type can tell the cache about its source, handed to the type each time it is
 * registered ({@link CacheType#registered}). A type that learns that its source answers again
 * (a connection became ready, one entry's read succeeded) calls {@link #reachable()}, and the
 * entries of that registration that are waiting out a backoff retry at once instead of
 * sleeping through the rest of it: recovery then follows connectivity, as gRPC resets its own
 * reconnect backoff when a connection's state changes.
 *
 * <p>Cheap to call and safe from any thread (a client's callback included): the retries run
 * on the cache's executor. Entries that are not backing off are left alone; a call while the
 * source is healthy costs one pass over the cache's entries (those of other types are skipped),
 * at most one such pass queued per type at a time.
 */
public interface SourceSignals {

    /**
     * The source answers again: retry the entries of this registration that wait out a backoff.
     *
     * @return false once the cache is closed: the type may forget this handle
     */
    boolean reachable();

    /** Whether the cache is still open; a type that polls its source for the signal stops when none is. */
    boolean isOpen();

    /**
     * The cache's meter registry ({@link CacheOptions#meterRegistry()}), for meters of the type's
     * own: its connections, streams, queues and retries. Name them under the backend's prefix
     * ({@code watchcache.etcd.*}) and tag them {@code type} with the name the type was registered
     * under, as the cache tags its own; never a key or a token. Null when the cache has no registry.
     */
    default @Nullable MeterRegistry meterRegistry() {
        return null;
    }
}
