package io.watchcache;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A source of data the cache can fetch: one implementation per kind of remote data
 * (a key, a prefix, a service catalog...). Registered under a name with
 * {@link WatchCache#register}, which returns its {@link TypedCache}.
 *
 * <p>A synchronous {@link #fetch} occupies a thread of the cache's executor while it runs
 * (a blocking query may run for minutes). Sources with an asynchronous client should
 * implement {@link AsyncCacheType} instead, which holds no thread at all while it waits.
 *
 * @param <R> the request type the cache hands back on each fetch
 * @param <V> the value type
 */
public interface CacheType<R extends CacheRequest, V> {

    /**
     * Fetches the current value. For a type that {@link RegisterOptions#supportsBlocking()
     * supports blocking}, waits until the index is greater than {@code options.minIndex()} or
     * {@code options.timeout()} elapses, and on timeout returns
     * {@link FetchResult#unchanged FetchResult.unchanged(minIndex)} (the cache keeps its value).
     * An absent value is {@code FetchResult.of(null, index)}: a real answer.
     *
     * <p>Must respond to interruption: the cache interrupts fetches when it closes or when
     * their entry is removed.
     */
    FetchResult<V> fetch(FetchOptions<V> options, R request) throws Exception;

    /** How the cache should treat this type; unset durations take the cache's defaults. */
    default RegisterOptions registerOptions() {
        return RegisterOptions.defaults();
    }

    /**
     * Whether {@code error} means retrying is pointless (for example "access denied").
     * A fatal error stops the background refresh of the entry but keeps it.
     */
    default boolean isFatal(Throwable error) {
        return false;
    }

    /**
     * Called once for each registration of this type (a type may be registered in several
     * caches, or under several names), with what it may tell that cache about its source. A type
     * that can see its source come back calls {@link SourceSignals#reachable()} then. The
     * default ignores it: entries then retry when their backoff ends.
     *
     * @param name    the name it was registered under
     * @param signals the registration's signals; {@code reachable()} returns false once the
     *                cache is closed
     */
    default void registered(String name, SourceSignals signals) {
    }

    /**
     * Whether this type answers {@link #consistentIndex}. Without it a consistent read
     * ({@link RequestInfo#consistent()}) is a fetch of its own that bypasses the cache.
     */
    default boolean supportsConsistentReads() {
        return false;
    }

    /**
     * For a consistent read: the index the entry of {@code request} must reach so that its value
     * reflects every write the source acknowledged before this call, asked cheaply (without
     * fetching the value). The cache then answers from the entry once its index is at least this
     * one, or waits for it within the read's timeout. Called only when
     * {@link #supportsConsistentReads()}; may complete on any thread, and must complete (or fail)
     * within {@code timeout}. The cache cancels the stage when it no longer needs it.
     *
     * <p>For example, a source whose index is a global revision answers its current revision; a
     * source whose index moves only when the data changes may compare what it holds in
     * {@code last}'s state with a summary of the data read now.
     *
     * @param last    the entry's latest result, its state included (the one the next fetch gets)
     * @param timeout how long the read may take in all
     */
    default CompletionStage<Long> consistentIndex(R request, FetchResult<V> last, Duration timeout) {
        throw new UnsupportedOperationException("cache type does not support consistent reads");
    }
}
