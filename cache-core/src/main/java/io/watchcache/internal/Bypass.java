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

/**
 * A fetch past the cache: every call goes straight to the type and nothing is stored. A request
 * with a blank key is answered so, as the agent cache does for requests it cannot key, and so is
 * a consistent read the cache cannot answer ({@link ConsistentReads}). No single flight, no
 * refresh; the fetch itself runs, is observed and is counted like any other ({@link Fetcher}),
 * and the state it brings is closed with it.
 */
final class Bypass {

    private final CacheRuntime runtime;
    private final Fetcher fetcher;

    Bypass(CacheRuntime runtime, Fetcher fetcher) {
        this.runtime = runtime;
        this.fetcher = fetcher;
    }

    /** Fetches on the caller's thread (it waits anyway); an interrupt of the caller reaches the type. */
    Result<Object> fetch(TypeRegistration type, CacheRequest request, RequestInfo info) throws InterruptedException {
        type.metrics.recordGet(TypeMetrics.GetResult.BYPASS);
        Fetcher.Outcome outcome = fetcher.fetchHere(type, options(type, info), request);
        if (outcome.error() instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        return answer(type, outcome, info);
    }

    /**
     * Fetches on the executor, or through the type's own future when it is asynchronous; the
     * answer completes on the executor. Cancelling the returned future cancels the fetch.
     */
    CompletableFuture<Result<Object>> fetchAsync(TypeRegistration type, CacheRequest request, RequestInfo info) {
        type.metrics.recordGet(TypeMetrics.GetResult.BYPASS);
        return fetchUncounted(type, request, info);
    }

    /** {@link #fetchAsync}, for a caller that counts the read itself (a consistent read's fallback). */
    CompletableFuture<Result<Object>> fetchUncounted(TypeRegistration type, CacheRequest request, RequestInfo info) {
        CompletableFuture<Result<Object>> answer = new CompletableFuture<>();
        FetchOptions<Object> options = options(type, info);
        Fetcher.Run run = fetcher.newRun(type, options.minIndex());
        answer.whenComplete((result, error) -> {
            if (answer.isCancelled()) {
                run.cancel();
            }
        });
        fetcher.start(run, options, request, outcome -> {
            run.record(outcome.counted(), outcome.tookNanos(), outcome.error());
            // User continuations never run on the thread of an asynchronous type's client.
            runtime.executeOrRun(() -> {
                try {
                    answer.complete(answer(type, outcome, info));
                } catch (FetchFailedException e) {
                    answer.completeExceptionally(e);
                }
            });
        });
        return answer;
    }

    private static FetchOptions<Object> options(TypeRegistration type, RequestInfo info) {
        // The caller's own minimum index and timeout: there is no entry to take them from.
        return new FetchOptions<>(type.blocking ? info.minIndex() : 0,
                info.timeout() != null ? info.timeout() : type.queryTimeout, null);
    }

    private Result<Object> answer(TypeRegistration type, Fetcher.Outcome outcome, RequestInfo info) {
        if (outcome.error() != null) {
            throw new FetchFailedException("fetch failed for cache type '" + type.name + "' (uncached request)",
                    outcome.error(), null, new ResultMeta(false, Duration.ZERO, 0));
        }
        FetchResult<Object> result = outcome.success();
        // No entry keeps the fetch's state (an etcd watch, say): it ends with the fetch.
        Object state = result.state();
        if (state != null) {
            runtime.closeQuietly(state, EntryKey.of(type, info));
        }
        return new Result<>(result.value(), new ResultMeta(false, Duration.ZERO, result.index()));
    }
}
