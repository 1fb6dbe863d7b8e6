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
 * One state of an entry. Every fetch produces a new snapshot that is swapped in whole, so
 * readers never see a value with the index of another. Immutable; the result a hit returns is
 * made from it ({@link #hitResult}) and kept by its entry ({@link Entry#hit}).
 */
final class Snapshot {

    static final long NONE = Long.MIN_VALUE;

    static final Snapshot EMPTY = new Snapshot(null, null, 0, null, false, 0, NONE, false, false, 0);

    private final @Nullable Object value;
    private final @Nullable Object state;
    private final long index;
    private final @Nullable Throwable error;
    private final boolean valid;
    private final long fetchedAtNanos;
    private final long lostContactNanos;
    private final boolean failed;
    private final boolean reset;
    private final int version;
    /**
     * @param version          counts the stores, so a waiter can tell whether it missed one; it
     *                         wraps, so versions are compared by their difference ({@link #newer})
     * @param fetchedAtNanos   when the value was fetched (ticker time)
     * @param lostContactNanos when a refreshing entry's fetches started failing, or {@link #NONE};
     *                         never set on a failed entry: its source answered, with a refusal
     * @param failed           the last fetch failed with an error the type calls fatal: the
     *                         refresh stopped and the error is kept until a read fetches again
     * @param reset            this store moved the index backwards (the source was restored or
     *                         compacted)
     */
    Snapshot(@Nullable Object value, @Nullable Object state, long index, @Nullable Throwable error, boolean valid,
             long fetchedAtNanos, long lostContactNanos, boolean failed, boolean reset, int version) {
        this.value = value;
        this.state = state;
        this.index = index;
        this.error = error;
        this.valid = valid;
        this.fetchedAtNanos = fetchedAtNanos;
        this.lostContactNanos = lostContactNanos;
        this.failed = failed;
        this.reset = reset;
        this.version = version;
    }

    @Nullable Object value() {
        return value;
    }

    @Nullable Object state() {
        return state;
    }

    long index() {
        return index;
    }

    @Nullable Throwable error() {
        return error;
    }

    boolean valid() {
        return valid;
    }

    long fetchedAtNanos() {
        return fetchedAtNanos;
    }

    long lostContactNanos() {
        return lostContactNanos;
    }

    boolean failed() {
        return failed;
    }

    boolean reset() {
        return reset;
    }

    int version() {
        return version;
    }

    /** Whether this snapshot was stored after the one of version {@code seen}. */
    boolean newer(int seen) {
        return version - seen > 0;
    }

    boolean lostContact() {
        return lostContactNanos != NONE;
    }

    /**
     * A new result for a hit on this valid snapshot (null for an invalid one), its meta's age the
     * seed's ({@link #meta}): fixed at zero for a refreshing entry in contact, else read when
     * asked ({@link ResultMeta#aging}). Its entry keeps the first one made ({@link Entry#keepHit}),
     * so later hits allocate nothing and read no clock; a snapshot nobody reads (a watched
     * entry's) has none.
     */
    @Nullable Result<Object> hitResult(boolean refreshing, Ticker ticker) {
        return valid ? new Result<>(value, meta(true, index, fetchedAtNanos, lostContactNanos, refreshing, ticker))
                : null;
    }

    @Override
    public String toString() {
        return "Snapshot[index=" + index + ", valid=" + valid + ", version=" + version + ", error=" + error
                + ", lostContact=" + lostContact() + ", failed=" + failed + ", reset=" + reset + "]";
    }

    /** The result handed to the next fetch as {@code lastResult}, or {@code null} before any. */
    @Nullable FetchResult<Object> lastResult() {
        if (!valid && state == null) {
            return null;
        }
        return new FetchResult<>(value, state, index, false, false);
    }

    /** The snapshot after a fetch that ended with {@code outcome}: {@link #failed} or {@link #succeeded}. */
    Snapshot after(Fetcher.Outcome outcome, long now, boolean refreshing) {
        Throwable error = outcome.error();
        return error != null ? failed(error, now, refreshing, outcome.fatal()) : succeeded(outcome.success(), now);
    }

    /**
     * The snapshot after a failed fetch: everything kept, the error stored beside it. A fatal
     * error is an answer (a refusal), not a silence: the entry is failed, not out of contact. An
     * episode starts when the source went silent: now, unless the error says it was earlier
     * ({@link SourceSilence}).
     */
    Snapshot failed(Throwable error, long now, boolean refreshing, boolean fatal) {
        long lost = fatal ? NONE : refreshing && !lostContact() ? now - silentNanos(error) : lostContactNanos;
        return new Snapshot(value, state, index, error, valid, fetchedAtNanos, lost, fatal, false, version + 1);
    }

    /**
     * The snapshot after a fetch that succeeded; a success always clears the error. The state of
     * the newest result replaces the old one in every case, null included (the entry closes a
     * replaced {@code AutoCloseable} state): one rule, whatever the result says of the value.
     */
    Snapshot succeeded(FetchResult<?> result, long now) {
        Object nextState = result.state();
        if (result.unchanged()) {
            // A blocking query that timed out: nothing new to show, but the type may have moved
            // its own state on (a cursor, a watch) and wants it back next time.
            return healthy(value, nextState, index, valid, fetchedAtNanos, false);
        }
        long nextIndex = atLeastOne(result.index());
        boolean reset = valid && nextIndex < index;
        if (result.notModified()) {
            return healthy(value, nextState, nextIndex, valid, now, reset);
        }
        // A null value is an answer: the data is absent at this index.
        return healthy(result.value(), nextState, nextIndex, true, now, reset);
    }

    private Snapshot healthy(@Nullable Object value, @Nullable Object state, long index, boolean valid, long fetchedAt,
                             boolean reset) {
        return new Snapshot(value, state, index, null, valid, fetchedAt, NONE, false, reset, version + 1);
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
