package io.watchcache;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A {@link CacheType} whose source has an asynchronous client: the fetch returns a stage and
 * holds no thread while a blocking query waits, so thousands of watched keys cost no threads.
 *
 * <p>The cache cancels the returned stage (via {@code toCompletableFuture().cancel}) when it
 * closes or the entry is removed; implementations should release what the fetch holds then.
 */
public interface AsyncCacheType<R extends CacheRequest, V> extends CacheType<R, V> {

    /** Starts a fetch; the same contract as {@link CacheType#fetch}, completed asynchronously. */
    CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, R request);

    /** Waits for {@link #fetchAsync}; the cache itself never calls this. */
    @Override
    default FetchResult<V> fetch(FetchOptions<V> options, R request) throws Exception {
        try {
            return fetchAsync(options, request).toCompletableFuture().get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        }
    }
}
