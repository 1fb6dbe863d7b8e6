package io.watchcache.internal;

import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;

/**
 * An entry's fetch attempts in a row that went nowhere, for its backoff: errors, results with
 * index 0, and quick answers that did not move the index. Not thread-safe: its
 * {@link FetchLoop}'s monitor guards it. A loop keeps one only while there is something to
 * remember ({@link #forgotten}): an entry whose fetches all make {@link #progress} holds none.
 */
final class Attempts {

    /** Quick answers in a row without progress after which the entry is warned about (once). */
    static final int NO_PROGRESS_LIMIT = 3;

    private int failures;
    /**
     * The failures counted before the last answer that only restored contact; if the very next
     * attempt fails again they count on from there, so a source that answers once and then
     * fails again cannot reset the backoff each time.
     */
    private int failuresBeforeRecovery;
    /** Whether the last attempt failed: a quick answer right after one is contact regained. */
    private boolean lastFailed;
    private int noProgress;
    private boolean warned;
    private boolean warnNow;
    private boolean warnedInvalidIndex;
    private boolean warnInvalidIndexNow;

    /**
     * Counts one fetch and says how it is reported.
     *
     * @param minIndex    the index the fetch was asked to pass (0: not a blocking query)
     * @param storedIndex the entry's index after the fetch was stored
     * @param tookNanos   how long the fetch ran
     */
    TypeMetrics.FetchOutcome record(TypeRegistration type, @Nullable FetchResult<?> result, @Nullable Throwable error,
                                    boolean fatal, long minIndex, long storedIndex, long tookNanos) {
        warnNow = false;
        warnInvalidIndexNow = false;
        boolean afterFailure = lastFailed;
        lastFailed = false;
        if (failed(result, error)) {
            // A success that carries index 0 is a failure in disguise: the next blocking query
            // would return at once, so it must back off like an error.
            failures = Math.max(failures, failuresBeforeRecovery) + 1;
            failuresBeforeRecovery = 0;
            noProgress = 0;
            lastFailed = true;
            if (error == null && result != null && !result.unchanged()) {
                warnInvalidIndexNow = !warnedInvalidIndex;
                warnedInvalidIndex = true;
            }
            return TypeMetrics.FetchOutcome.of(result, error, fatal);
        }
        boolean quickWithoutProgress = quickWithoutProgress(type, minIndex, storedIndex, tookNanos);
        if (quickWithoutProgress && afterFailure) {
            // The source answered "nothing new" right after a failure (a re-read after a broken
            // stream): that is contact regained, not a source that cannot block. The next attempt
            // starts at once; should it fail, the backoff goes on where it was.
            failuresBeforeRecovery = failures;
            failures = 0;
            noProgress = 0;
            return TypeMetrics.FetchOutcome.of(result, null, false);
        }
        if (quickWithoutProgress) {
            // Asked to wait past minIndex, answered at once without passing it: a source that
            // cannot block (or ignores minIndex). Free a few times, then back off like a
            // failure, so no source, however wrong, can make the refresh spin.
            failures++;
            noProgress++;
            warnNow = noProgress == NO_PROGRESS_LIMIT && !warned;
            warned |= warnNow;
            return TypeMetrics.FetchOutcome.NO_PROGRESS;
        }
        failures = 0;
        failuresBeforeRecovery = 0;
        noProgress = 0;
        return TypeMetrics.FetchOutcome.of(result, null, false);
    }

    /**
     * Whether a fetch made progress: it succeeded with an index and was not a quick answer that
     * left the index where it was. Such a fetch resets every count, so {@link #record} of it on
     * a fresh instance changes nothing.
     */
    static boolean progress(TypeRegistration type, @Nullable FetchResult<?> result, @Nullable Throwable error,
                            long minIndex, long storedIndex, long tookNanos) {
        return !failed(result, error) && !quickWithoutProgress(type, minIndex, storedIndex, tookNanos);
    }

    /** An error, or a success that carries index 0: a failure in disguise. */
    private static boolean failed(@Nullable FetchResult<?> result, @Nullable Throwable error) {
        return error != null || result == null || result.index() <= 0;
    }

    /** Asked to wait past {@code minIndex}, the type answered at once and the index did not move. */
    private static boolean quickWithoutProgress(TypeRegistration type, long minIndex, long storedIndex,
                                                long tookNanos) {
        return type.blocking && minIndex > 0 && storedIndex == minIndex && tookNanos < type.atOnceNanos;
    }

    /** Whether nothing is left to remember: no count, and no warning given that must not be given again. */
    boolean forgotten() {
        return failures == 0 && failuresBeforeRecovery == 0 && !lastFailed && noProgress == 0 && !warned
                && !warnedInvalidIndex;
    }

    /** Failed attempts in a row, what the backoff waits on. */
    int failures() {
        return failures;
    }

    /** Whether the last {@link #record} was the entry's first answer with an index below 1. */
    boolean warnInvalidIndex() {
        return warnInvalidIndexNow;
    }

    /** Whether the last {@link #record} reached the no-progress limit for the first time. */
    boolean warnNoProgress() {
        return warnNow;
    }
}
