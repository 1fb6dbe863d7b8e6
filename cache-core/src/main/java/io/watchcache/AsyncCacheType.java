package io.watchcache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

/**
 * A {@link CacheType} whose source has an asynchronous client: the fetch returns a stage and
 * holds no thread while a blocking query waits, so thousands of watched keys cost no threads.
 *
 * <p>The cache cancels the returned stage (via {@code toCompletableFuture().cancel}) when it
 * closes or the entry is removed; implementations should release what the fetch holds then.
 *
 * <p>A source whose fetches wait long (a watch on a stream, answered at the next change) may
 * implement {@link #fetchAsync(FetchOptions, CacheRequest, BiConsumer)} as well: the cache then
 * hands the fetch its callback, and a watched entry holds no future while it waits.
 */
public interface AsyncCacheType<R extends CacheRequest, V> extends CacheType<R, V> {

    /** Starts a fetch; the same contract as {@link CacheType#fetch}, completed asynchronously. */
    CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, R request);

    /**
     * Starts a fetch that answers {@code done} instead of completing a stage. {@code done} gets
     * the result or the error (never both) exactly once, on any thread, at once or later; the
     * cache ignores a second answer. The returned action cancels the fetch (never null): it may
     * be run at any time, more than once, and after the answer; a fetch it stops answers a
     * {@link java.util.concurrent.CancellationException} unless it answered already.
     *
     * <p>By default it runs {@link #fetchAsync(FetchOptions, CacheRequest)} and waits on the
     * stage, which costs a completion and a future per fetch in flight. A type that overrides it
     * is fetched through it, and can answer from the source's own bookkeeping instead; for one
     * that does not, the cache waits on the stage itself, as this default would.
     */
    default Runnable fetchAsync(FetchOptions<V> options, R request,
                                BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
        CompletableFuture<FetchResult<V>> stage = fetchAsync(options, request).toCompletableFuture();
        stage.whenComplete(done);
        return () -> stage.cancel(true);
    }

    /**
     * Waits for {@link #fetchAsync(FetchOptions, CacheRequest, BiConsumer)}, on a caller's thread
     * that waits anyway (an uncached read); an interrupt cancels the fetch. The cache's own fetches
     * never wait like this.
     */
    @Override
    default FetchResult<V> fetch(FetchOptions<V> options, R request) throws Exception {
        CompletableFuture<FetchResult<V>> answer = new CompletableFuture<>();
        Runnable stop = fetchAsync(options, request, (result, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(result);
            }
        });
        try {
            return answer.get();
        } catch (InterruptedException e) {
            if (stop != null) {
                stop.run();
            }
            throw e;
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        }
    }
}
