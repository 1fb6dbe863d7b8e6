package io.watchcache.internal;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A registered type with its options resolved: every duration set, from the type's own
 * options laid over by the registration's overrides, then the cache's defaults.
 */
final class TypeRegistration {

    final String name;
    final CacheType<CacheRequest, Object> type;
    final @Nullable AsyncCacheType<CacheRequest, Object> asyncType;
    /**
     * The asynchronous type answers the cache's callback itself (it overrides the callback form
     * of {@code fetchAsync}); else the cache waits on its stage, and keeps the stage to cancel.
     */
    final boolean answersCallback;
    final RegisterOptions options;
    final boolean blocking;
    final boolean refresh;
    final long refreshTimerNanos;
    final Duration queryTimeout;
    final long lastGetTtlNanos;
    final TypeMetrics metrics;
    /** The type's lost/regained-contact log lines, within their budget. */
    final ContactLog contact;
    /**
     * A fetch that returns within this long without moving the index made no progress (see
     * {@link Attempts}): far less than any real blocking query, far more than a spinning one.
     */
    final long atOnceNanos;
    /** The type tells the index a consistent read must wait for ({@link CacheType#supportsConsistentReads()}). */
    final boolean consistentReads;
    /** Every read is a consistent one ({@link RegisterOptions#consistentReads()}); see {@link #consistent}. */
    private final boolean alwaysConsistent;
    /** 0, 1, 2...: the registration's place in per-type tables (see {@code EntryTable}). */
    final int slot;

    @SuppressWarnings("unchecked")
    TypeRegistration(int slot, String name, CacheType<?, ?> type, RegisterOptions options, TypeMetrics metrics) {
        this.slot = slot;
        this.name = name;
        this.type = (CacheType<CacheRequest, Object>) type;
        this.asyncType = type instanceof AsyncCacheType<?, ?> async ? (AsyncCacheType<CacheRequest, Object>) async
                : null;
        this.answersCallback = asyncType != null && answersCallback(asyncType);
        this.options = options;
        this.blocking = options.supportsBlocking();
        this.refresh = options.refresh();
        this.refreshTimerNanos = options.refreshTimer() == null ? 0 : options.refreshTimer().toNanos();
        // The registry resolves both before registering: never null here.
        this.queryTimeout = Objects.requireNonNull(options.queryTimeout(), "queryTimeout");
        this.lastGetTtlNanos = Objects.requireNonNull(options.lastGetTtl(), "lastGetTtl").toNanos();
        this.metrics = metrics;
        this.contact = new ContactLog(name);
        this.consistentReads = this.type.supportsConsistentReads();
        this.alwaysConsistent = options.consistentReads();
        this.atOnceNanos = Math.min(Duration.ofMillis(100).toNanos(), queryTimeout.toNanos() / 2);
    }

    private static boolean answersCallback(AsyncCacheType<?, ?> type) {
        try {
            return !type.getClass().getMethod("fetchAsync", FetchOptions.class, CacheRequest.class, BiConsumer.class)
                    .isDefault();
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Whether a read of {@code info} is a consistent one: it asks, or every read of the
     * registration is. The one rule for reads and watches alike.
     */
    boolean consistent(RequestInfo info) {
        return info.consistent() || alwaysConsistent;
    }

    /** Whether {@code error} stops the refresh; a type that throws here is treated as not fatal. */
    boolean isFatal(Throwable error) {
        try {
            return type.isFatal(error);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
