package io.watchcache.sample;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The embedded store as a blocking, refreshing, asynchronous cache type: like {@code EtcdKeyType}. */
public class EmbeddedStoreType implements AsyncCacheType<CacheRequest, Optional<String>> {

    private final EmbeddedStore store;

    public EmbeddedStoreType(EmbeddedStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<FetchResult<Optional<String>>> fetchAsync(FetchOptions<Optional<String>> options,
                                                                     CacheRequest request) {
        long minIndex = options.minIndex();
        Duration timeout = options.timeout() == null ? Duration.ofMinutes(10) : options.timeout();
        CompletableFuture<EmbeddedStore.Versioned> read = store.read(request.cacheInfo().key(), minIndex, timeout);
        CompletableFuture<FetchResult<Optional<String>>> result = read.thenApply(v -> v.index() > minIndex
                ? FetchResult.of(Optional.ofNullable(v.value()), v.index())
                // Timed out with no change: nothing new, the index stays.
                : FetchResult.<Optional<String>>unchanged(minIndex));
        // The cache cancels the fetch on close or eviction: let the store forget the waiter.
        result.whenComplete((r, e) -> read.cancel(false));
        return result;
    }

    @Override
    public RegisterOptions registerOptions() {
        return RegisterOptions.blockingRefresh();
    }

    /** The store tells each key's index (its last write, a delete included) at no cost. */
    @Override
    public boolean supportsConsistentReads() {
        return true;
    }

    /** For a consistent read: the key's index now, which the entry must reach. */
    @Override
    public CompletionStage<Long> consistentIndex(CacheRequest request, FetchResult<Optional<String>> last,
                                                 Duration timeout) {
        return CompletableFuture.completedFuture(store.get(request.cacheInfo().key()).index());
    }
}
