package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Small helpers for the futures the engine chains. */
final class Futures {

    private Futures() {
    }

    /** The error a stage failed with, without the {@link CompletionException} a chain wraps it in. */
    static @Nullable Throwable unwrap(@Nullable Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /**
     * Waits for {@code future} on the caller's thread: its value, or its error as the caller's
     * own (a failed fetch as a fresh {@link FetchFailedException}, with this thread's stack). An
     * interrupt cancels the future and is thrown.
     */
    static <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static RuntimeException rethrow(@Nullable Throwable error) {
        if (error instanceof FetchFailedException failed) {
            // A fresh exception per caller: the stored one would carry another thread's stack.
            return new FetchFailedException(failed.getMessage(), failed.getCause(), failed.lastValue(), failed.meta());
        }
        if (error instanceof RuntimeException runtime) {
            return runtime;
        }
        if (error instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(error);
    }
}
