package io.watchcache.internal;

import io.watchcache.Durations;
import io.watchcache.FetchResult;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.SourceSilence;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * One immutable state of an entry. Every fetch produces a new snapshot that is swapped in
 * whole, so readers never see a value with the index of another.
 *
 * @param version          counts the stores, so a waiter can tell whether it missed one
 * @param fetchedAtNanos   when the value was fetched (ticker time)
 * @param lostContactNanos when a refreshing entry's fetches started failing, or {@link #NONE}; never
 *                         set on a failed entry: its source answered, with a refusal
 * @param failed           the last fetch failed with an error the type calls fatal: the refresh
 *                         stopped and the error is kept until a read fetches again
 * @param reset            this store moved the index backwards (the source was restored or compacted)
 * @param hitResult        for a healthy refreshing entry, the result a hit returns (its meta never
 *                         changes: age zero, this index), built once here so hits allocate nothing
 *                         for it; otherwise null
 */
record Snapshot(@Nullable Object value, @Nullable Object state, long index, @Nullable Throwable error, boolean valid,
                long fetchedAtNanos, long lostContactNanos, boolean failed, boolean reset, long version,
                @Nullable Result<Object> hitResult) {

    static final long NONE = Long.MIN_VALUE;

    static final Snapshot EMPTY = new Snapshot(null, null, 0, null, false, 0, NONE, false, false, 0, null);

    boolean lostContact() {
        return lostContactNanos != NONE;
    }

    /** The result handed to the next fetch as {@code lastResult}, or {@code null} before any. */
    @Nullable FetchResult<Object> lastResult() {
        if (!valid && state == null) {
            return null;
        }
        return new FetchResult<>(value, state, index, false, false);
    }

    /**
     * The snapshot after a failed fetch: everything kept, the error stored beside it. A fatal
     * error is an answer (a refusal), not a silence: the entry is failed, not out of contact. An
     * episode starts when the source went silent: now, unless the error says it was earlier
     * ({@link SourceSilence}).
     */
    Snapshot failed(Throwable error, long now, boolean refreshing, boolean fatal) {
        long lost = fatal ? NONE : refreshing && !lostContact() ? now - silentNanos(error) : lostContactNanos;
        return new Snapshot(value, state, index, error, valid, fetchedAtNanos, lost, fatal, false, version + 1,
                null);
    }

    /**
     * The snapshot after a fetch that succeeded; a success always clears the error. The state of
     * the newest result replaces the old one in every case, null included (the entry closes a
     * replaced {@code AutoCloseable} state): one rule, whatever the result says of the value.
     */
    Snapshot succeeded(FetchResult<?> result, long now, boolean refreshing) {
        Object nextState = result.state();
        if (result.unchanged()) {
            // A blocking query that timed out: nothing new to show, but the type may have moved
            // its own state on (a cursor, a watch) and wants it back next time.
            return healthy(value, nextState, index, valid, fetchedAtNanos, false, refreshing);
        }
        long nextIndex = atLeastOne(result.index());
        boolean reset = valid && nextIndex < index;
        if (result.notModified()) {
            return healthy(value, nextState, nextIndex, valid, now, reset, refreshing);
        }
        // A null value is an answer: the data is absent at this index.
        return healthy(result.value(), nextState, nextIndex, true, now, reset, refreshing);
    }

    private Snapshot healthy(@Nullable Object value, @Nullable Object state, long index, boolean valid, long fetchedAt,
                             boolean reset, boolean refreshing) {
        Result<Object> hit = refreshing && valid ? new Result<>(value, new ResultMeta(true, Duration.ZERO, index))
                : null;
        return new Snapshot(value, state, index, null, valid, fetchedAt, NONE, false, reset, version + 1, hit);
    }

    private static long silentNanos(Throwable error) {
        if (!(error instanceof SourceSilence silence)) {
            return 0;
        }
        // A type's own figure: a negative or absurd one must not move the episode's start wrongly.
        Duration silent = silence.silentFor();
        return silent == null || silent.isNegative() ? 0
                : Objects.requireNonNull(Durations.nonNegative("silentFor", silent)).toNanos();
    }

    /**
     * An index of 0 would make the next blocking query return at once (nothing is "newer than
     * 0" to wait for), turning the refresh into a hot loop; 1 is the smallest index that blocks.
     */
    private static long atLeastOne(long index) {
        return Math.max(1, index);
    }
}
