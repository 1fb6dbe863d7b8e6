package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.InvalidOptionException;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The cache's watches: starts each one on the kind of loop its type allows (a blocking query,
 * or a poll every {@code maxAge}), keeps those that run, and hands them what they need of the
 * cache (a {@link WatchSource}: a watch's read, and a hold on its entry).
 */
final class Watches {

    private final CacheRuntime runtime;
    private final Set<Watch> running = ConcurrentHashMap.newKeySet();
    private final WatchSource source;

    Watches(CacheRuntime runtime, Reads reads, ConsistentReads consistent, EntryTable table) {
        this.runtime = runtime;
        this.source = new WatchSource() {
            @Override
            public @Nullable Result<Object> read(Watch watch) {
                return reads.watchRead(watch);
            }

            @Override
            public CompletableFuture<Result<Object>> readConsistent(Watch watch) {
                return consistent.read(watch.type(), watch.request, watch.info, false, true);
            }

            @Override
            public void hold(Entry entry) {
                table.hold(entry);
            }

            @Override
            public void release(Entry held) {
                table.release(held);
            }

            @Override
            public void ended(Watch watch) {
                if (running.remove(watch)) {
                    watch.type().metrics.watches.decrementAndGet();
                }
            }
        };
    }

    Watch watch(TypeRegistration type, CacheRequest request, String correlationId,
                Consumer<UpdateEvent<Object>> listener) {
        RequestInfo asked = Reads.info(request);
        // A registration whose reads are all consistent makes a watch's first value one too, when the type can tell.
        RequestInfo info = type.consistent(asked) && type.consistentReads && !asked.consistent()
                ? asked.toBuilder().consistent(true).build() : asked;
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(listener, "listener");
        if (info.key().isBlank()) {
            throw new InvalidOptionException("key", info.key(), "must not be blank to watch cache type '"
                    + type.name + "': a blank key means \"do not cache\", and only cached entries can be watched");
        }
        if (info.consistent() && !type.consistentReads) {
            throw new InvalidOptionException("consistent", true, "cannot be asked of a watch on cache type '"
                    + type.name + "': the type cannot tell the index its entries must reach, so the watch's later"
                    + " reads could go back to an older value than its first");
        }
        runtime.requireOpen();
        Watch watch;
        if (type.blocking) {
            watch = new Watch(runtime, source, request, info,
                    new BlockingDelivery(type, correlationId, listener, runtime.backoff()));
        } else {
            if (info.maxAge() == null || info.maxAge().isZero()) {
                throw new InvalidOptionException("maxAge", info.maxAge(), "must be set to watch cache type '"
                        + type.name + "': the type does not support blocking queries, so the watch polls every"
                        + " maxAge");
            }
            watch = new Watch(runtime, source, request, info,
                    new PollingDelivery(type, info, correlationId, listener, runtime.backoff()));
        }
        running.add(watch);
        type.metrics.watches.incrementAndGet();
        if (runtime.isClosed()) {
            watch.cancel();
        } else {
            watch.start();
        }
        return watch;
    }

    /** The watches running now, for introspection. */
    Collection<Watch> all() {
        return Collections.unmodifiableSet(running);
    }

    /** Cancels every watch; for close(). */
    void cancelAll() {
        for (Watch watch : List.copyOf(running)) {
            watch.cancel();
        }
    }
}
