package io.watchcache.testing;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;

import java.util.concurrent.CompletionStage;

/**
 * An asynchronous type that answers only the cache's callback
 * ({@link AsyncCacheType#fetchAsync(FetchOptions, Object, java.util.function.BiConsumer)}): its
 * stage form throws, so a test or a benchmark that uses it proves the cache took the callback path.
 *
 * @param <V> the value type
 */
public abstract class CallbackType<V> implements AsyncCacheType<CacheRequest, V> {

    private final RegisterOptions options;

    protected CallbackType(RegisterOptions options) {
        this.options = options;
    }

    @Override
    public final CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> fetch, CacheRequest request) {
        throw new AssertionError("the cache fetches through the callback form");
    }

    @Override
    public RegisterOptions registerOptions() {
        return options;
    }
}
