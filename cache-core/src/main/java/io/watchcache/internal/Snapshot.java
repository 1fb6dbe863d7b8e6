package io.watchcache.internal;

import io.watchcache.Durations;
import io.watchcache.FetchResult;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.SourceSilence;
import io.watchcache.Ticker;
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
 * @param hitResult        for a valid snapshot, the result a hit returns, built once here so that a
 *                         hit allocates nothing and reads no clock: its meta's age is fixed at zero
 *                         for a refreshing entry in contact, else read when asked ({@link
 *                         ResultMeta#aging}); null for an invalid snapshot
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
    Snapshot failed(Throwable error, Ticker ticker, long now, boolean refreshing, boolean fatal) {
        long lost = fatal ? NONE : refreshing && !lostContact() ? now - silentNanos(error) : lostContactNanos;
        Result<Object> hit = lost == lostContactNanos ? hitResult
                : hitResult(value, index, valid, fetchedAtNanos, lost, refreshing, ticker);
        return new Snapshot(value, state, index, error, valid, fetchedAtNanos, lost, fatal, false, version + 1, hit);
    }

    /**
     * The snapshot after a fetch that succeeded; a success always clears the error. The state of
     * the newest result replaces the old one in every case, null included (the entry closes a
     * replaced {@code AutoCloseable} state): one rule, whatever the result says of the value.
     */
    Snapshot succeeded(FetchResult<?> result, Ticker ticker, long now, boolean refreshing) {
        Object nextState = result.state();
        if (result.unchanged()) {
            // A blocking query that timed out: nothing new to show, but the type may have moved
            // its own state on (a cursor, a watch) and wants it back next time.
            return healthy(value, nextState, index, valid, fetchedAtNanos, false, refreshing, ticker);
        }
        long nextIndex = atLeastOne(result.index());
        boolean reset = valid && nextIndex < index;
        if (result.notModified()) {
            return healthy(value, nextState, nextIndex, valid, now, reset, refreshing, ticker);
        }
        // A null value is an answer: the data is absent at this index.
        return healthy(result.value(), nextState, nextIndex, true, now, reset, refreshing, ticker);
    }

    private Snapshot healthy(@Nullable Object value, @Nullable Object state, long index, boolean valid, long fetchedAt,
                             boolean reset, boolean refreshing, Ticker ticker) {
        Result<Object> hit = hitResult(value, index, valid, fetchedAt, NONE, refreshing, ticker);
        return new Snapshot(value, state, index, null, valid, fetchedAt, NONE, false, reset, version + 1, hit);
    }

    /** What a hit on this snapshot returns, its age the seed's ({@link #meta}); null when not valid. */
    private static @Nullable Result<Object> hitResult(@Nullable Object value, long index, boolean valid,
                                                      long fetchedAt, long lostContact, boolean refreshing,
                                                      Ticker ticker) {
        return valid ? new Result<>(value, meta(true, index, fetchedAt, lostContact, refreshing, ticker)) : null;
    }

    /** This snapshot's meta, for a caller that was not a hit (one that waited, or failed). */
    ResultMeta meta(boolean refreshing, Ticker ticker) {
        if (!refreshing && !valid) {
            return new ResultMeta(false, Duration.ZERO, index);
        }
        return meta(false, index, fetchedAtNanos, lostContactNanos, refreshing, ticker);
    }

    /**
     * The seed's age: for a refreshing entry, zero while in contact, else the time since contact
     * was lost; for another, the time since the value was fetched. Read when asked.
     */
    private static ResultMeta meta(boolean hit, long index, long fetchedAt, long lostContact, boolean refreshing,
                                   Ticker ticker) {
        if (refreshing) {
            return lostContact == NONE ? new ResultMeta(hit, Duration.ZERO, index)
                    : ResultMeta.aging(hit, lostContact, ticker, index);
        }
        return ResultMeta.aging(hit, fetchedAt, ticker, index);
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
