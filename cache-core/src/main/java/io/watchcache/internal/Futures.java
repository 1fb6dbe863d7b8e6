package io.watchcache.internal;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletionException;

/** Small helpers for the futures the engine chains. */
final class Futures {

    private Futures() {
    }

    /** The error a stage failed with, without the {@link CompletionException} a chain wraps it in. */
    static @Nullable Throwable unwrap(@Nullable Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
