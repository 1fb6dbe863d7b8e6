package io.watchcache.testing;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.SourceSignals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The two ways a type fetches, each with its own path through an entry: synchronously on a
 * cache thread, or as a stage ({@link AsyncCacheType}). Tests that take a {@code Flavor} run
 * the same scripted type both ways.
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
            return new AsyncCacheType<>() {
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
            };
        }
    };

    /** {@code type} fetching this way. */
    public abstract <V> CacheType<CacheRequest, V> of(CacheType<CacheRequest, V> type);
}
