package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.ResultMeta;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A request with a blank key is not cached: every call goes straight to the type and nothing is
 * stored, as the agent cache does for requests it cannot key. No single flight, no refresh.
 */
final class Bypass {

    private final CacheRuntime runtime;

    Bypass(CacheRuntime runtime) {
        this.runtime = runtime;
    }

    /** Fetches on the caller's thread (it waits anyway). */
    Result<Object> fetch(TypeRegistration type, CacheRequest request, RequestInfo info) throws InterruptedException {
        type.metrics.get(TypeMetrics.GetResult.BYPASS);
        long started = runtime.now();
        FetchResult<Object> result;
        try {
            result = type.type.fetch(options(type, info), request);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw failure(type, e, started);
        }
        return result(type, result, started);
    }

    /** Fetches on the executor, or through the type's own future when it is asynchronous. */
    CompletableFuture<Result<Object>> fetchAsync(TypeRegistration type, CacheRequest request, RequestInfo info) {
        type.metrics.get(TypeMetrics.GetResult.BYPASS);
        long started = runtime.now();
        CompletableFuture<FetchResult<Object>> fetched;
        if (type.asyncType != null) {
            try {
                fetched = type.asyncType.fetchAsync(options(type, info), request).toCompletableFuture();
            } catch (RuntimeException e) {
                fetched = CompletableFuture.failedFuture(e);
            }
        } else {
            fetched = CompletableFuture.supplyAsync(() -> {
                try {
                    return type.type.fetch(options(type, info), request);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, runtime.executor());
        }
        return fetched.handleAsync((result, error) -> {
            if (error != null) {
                throw failure(type, Futures.unwrap(error), started);
            }
            return result(type, result, started);
        }, runtime.executor());
    }

    private static FetchOptions<Object> options(TypeRegistration type, RequestInfo info) {
        // The caller's own minimum index and timeout: there is no entry to take them from.
        return new FetchOptions<>(type.blocking ? info.minIndex() : 0,
                info.timeout() != null ? info.timeout() : type.queryTimeout, null);
    }

    private Result<Object> result(TypeRegistration type, FetchResult<Object> result, long started) {
        if (result == null) {
            throw failure(type, new IllegalStateException("cache type '" + type.name + "' returned no FetchResult"),
                    started);
        }
        type.metrics.fetch(TypeMetrics.FetchOutcome.of(result, null, false), runtime.now() - started, null, null);
        return new Result<>(result.value(), new ResultMeta(false, Duration.ZERO, result.index()));
    }

    private FetchFailedException failure(TypeRegistration type, Throwable error, long started) {
        type.metrics.fetch(TypeMetrics.FetchOutcome.of(null, error, type.isFatal(error)), runtime.now() - started,
                null, error);
        return new FetchFailedException("fetch failed for cache type '" + type.name + "' (uncached request)",
                error, null, new ResultMeta(false, Duration.ZERO, 0));
    }
}
