package io.watchcache.testing;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.SourceSignals;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * The ways a type fetches, each with its own path through an entry: synchronously on a cache
 * thread, as a stage ({@link AsyncCacheType}), or answering the cache's callback. Tests that
 * take a {@code Flavor} run the same scripted type each way.
 */
public enum Flavor {

    SYNC {
        @Override
        public <V> CacheType<CacheRequest, V> of(CacheType<CacheRequest, V> type) {
            return type;
        }
    },

    /** The type's fetch on a thread of its own, as a stage; cancelling the stage interrupts it. */
    ASYNC {
        @Override
        public <V> CacheType<CacheRequest, V> of(CacheType<CacheRequest, V> type) {
            return new Wrapped<>(type) {
                @Override
                public CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, CacheRequest request) {
                    CompletableFuture<FetchResult<V>> stage = new CompletableFuture<>();
                    Thread fetcher = new Thread(() -> {
                        try {
                            stage.complete(type.fetch(options, request));
                        } catch (Throwable t) {
                            stage.completeExceptionally(t);
                        }
                    }, "async-flavor-fetch");
                    fetcher.setDaemon(true);
                    stage.whenComplete((r, e) -> {
                        if (stage.isCancelled()) {
                            fetcher.interrupt();
                        }
                    });
                    fetcher.start();
                    return stage;
                }
            };
        }
    },

    /**
     * The type's fetch on a thread of its own, answering the cache's callback; the cancel action
     * interrupts it and answers a cancellation. The stage form is not there: the cache must not use it.
     */
    CALLBACK {
        @Override
        public <V> CacheType<CacheRequest, V> of(CacheType<CacheRequest, V> type) {
            return new Wrapped<>(type) {
                @Override
                public CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, CacheRequest request) {
                    throw new AssertionError("the cache fetches through the callback form");
                }

                @Override
                public Runnable fetchAsync(FetchOptions<V> options, CacheRequest request,
                                           BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
                    Thread fetcher = new Thread(() -> {
                        FetchResult<V> result;
                        try {
                            result = type.fetch(options, request);
                        } catch (Throwable t) {
                            done.accept(null, t);
                            return;
                        }
                        done.accept(result, null);
                    }, "callback-flavor-fetch");
                    fetcher.setDaemon(true);
                    fetcher.start();
                    return () -> {
                        fetcher.interrupt();
                        done.accept(null, new CancellationException("cancelled by the cache"));
                    };
                }
            };
        }
    };

    /** {@code type} fetching this way. */
    public abstract <V> CacheType<CacheRequest, V> of(CacheType<CacheRequest, V> type);

    /** An asynchronous form of {@code type}: its options, fatal errors and signals are the type's own. */
    private abstract static class Wrapped<V> implements AsyncCacheType<CacheRequest, V> {

        final CacheType<CacheRequest, V> type;

        Wrapped(CacheType<CacheRequest, V> type) {
            this.type = type;
        }

        @Override
        public RegisterOptions registerOptions() {
            return type.registerOptions();
        }

        @Override
        public boolean isFatal(Throwable error) {
            return type.isFatal(error);
        }

        @Override
        public void registered(String name, SourceSignals signals) {
            type.registered(name, signals);
        }
    }
}
