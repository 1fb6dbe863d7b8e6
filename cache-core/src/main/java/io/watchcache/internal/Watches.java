package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.watchcache.CacheRequest;
import io.watchcache.InvalidOptionException;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The cache's watches: starts each one on the kind of loop its type allows (a blocking query,
 * or a poll every {@code maxAge}), keeps those that run, and hands them what they need of the
 * cache (a {@link WatchSource}: a watch's read, and a hold on its entry).
 */
final class Watches {

    private final CacheRuntime runtime;
    /**
     * The newest running watch; the others follow through {@link Watch#older}. A list through the
     * watches themselves costs each two fields, where a concurrent set would cost a node and a
     * table slot each; starting and ending a watch is rare next to its reads.
     */
    @GuardedBy("this")
    private @Nullable Watch newest;
    private final WatchSource source;

    Watches(CacheRuntime runtime, Reads reads, ConsistentReads consistent, EntryTable table) {
        this.runtime = runtime;
        this.source = new WatchSource() {
            @Override
            public CacheRuntime runtime() {
                return runtime;
            }

            @Override
            public @Nullable Result<Object> read(Watch watch) {
                return reads.watchRead(watch);
            }

            @Override
            public CompletableFuture<Result<Object>> readConsistent(Watch watch) {
                return consistent.read(watch.delivery.type, watch.request, watch.info, false, true);
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
                if (unlink(watch)) {
                    watch.delivery.type.metrics.watches.decrementAndGet();
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
            watch = new Watch(source, request, info, new BlockingDelivery(type, correlationId, listener));
        } else {
            if (info.maxAge() == null || info.maxAge().isZero()) {
                throw new InvalidOptionException("maxAge", info.maxAge(), "must be set to watch cache type '"
                        + type.name + "': the type does not support blocking queries, so the watch polls every"
                        + " maxAge");
            }
            watch = new Watch(source, request, info, new PollingDelivery(type, info, correlationId, listener));
        }
        link(watch);
        type.metrics.watches.incrementAndGet();
        if (runtime.isClosed()) {
            watch.cancel();
        } else {
            watch.start();
        }
        return watch;
    }

    /** The watches running now, newest first, for introspection. */
    synchronized List<Watch> all() {
        List<Watch> all = new ArrayList<>();
        for (Watch watch = newest; watch != null; watch = watch.older) {
            all.add(watch);
        }
        return all;
    }

    /** Cancels every watch; for close(). */
    void cancelAll() {
        for (Watch watch : all()) {
            watch.cancel();
        }
    }

    private synchronized void link(Watch watch) {
        Watch before = newest;
        watch.older = before;
        if (before != null) {
            before.newer = watch;
        }
        newest = watch;
    }

    /** Takes {@code watch} off the list; false when it was not on it (ended already). */
    private synchronized boolean unlink(Watch watch) {
        Watch newer = watch.newer;
        Watch older = watch.older;
        if (newer == null && newest != watch) {
            return false;
        }
        if (newer == null) {
            newest = older;
        } else {
            newer.older = older;
        }
        if (older != null) {
            older.newer = newer;
        }
        watch.newer = null;
        watch.older = null;
        return true;
    }
}
