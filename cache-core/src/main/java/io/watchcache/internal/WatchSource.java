package io.watchcache.internal;

import io.watchcache.Result;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;

/** What a {@link Watch} needs from its cache: the runtime, reads, holds, and to be forgotten when it ends. */
interface WatchSource {

    /** The cache's clocks, scheduler and executor. */
    CacheRuntime runtime();

    /**
     * A read for {@code watch} (see {@code Reads.watchRead}): the answer, when the entry has
     * one now; else null, and the watch follows the entry ({@link Watch#follow}) until a store
     * answers it. Either way the watch holds the entry it read ({@link Watch#holding}).
     */
    @Nullable Result<Object> read(Watch watch);

    /**
     * A watch's first read when its request asks for a consistent one: answered, or failed,
     * within the request's timeout, never by a fetch past the cache (see {@link ConsistentReads}).
     */
    CompletableFuture<Result<Object>> readConsistent(Watch watch);

    /** Holds {@code entry}: it does not expire until released. */
    void hold(Entry entry);

    /** Ends a {@link #hold}. */
    void release(Entry held);

    /** The watch ended: it is forgotten. */
    void ended(Watch watch);
}
