package io.watchcache.internal;

import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The one rule for "is this entry good enough for this request", used by every first look
 * ({@code Reads}: a caller's, a watch's; the hit path through its fast form {@link #readyHit})
 * and by every store a waiting caller or watch hears of ({@link #afterStore}); there is no other copy. Each case is
 * listed in {@code FreshnessTest}, whose table also runs through the cache's {@code get} and
 * {@code getAsync}.
 */
final class Freshness {

    /** When the rule is applied. */
    enum Look {
        /** A caller's first look at the entry: {@code mustRevalidate} makes it a miss. */
        FIRST,
        /** A waiting caller judging a new store: that store is the revalidation, and a reset releases it. */
        AFTER_STORE
    }

    private Freshness() {
    }

    /**
     * The rule's fast form for a caller's first look at an entry, given the result the entry keeps
     * for a hit on its valid snapshot ({@code ready}, which carries the snapshot's index). It
     * answers only the common cases and leaves the rest to {@link #satisfies}: returns
     * {@code ready} when the rule is satisfied without a clock, else null, which sends the read to
     * the rule itself. A refreshing entry is never stale, so only the minimum index can refuse it;
     * a non-refreshing one with neither {@code maxAge} nor {@code mustRevalidate} asked is judged
     * the same way. The same table
     * ({@code FreshnessTest}) runs through it, by way of the cache's reads.
     */
    static @Nullable Result<Object> readyHit(TypeRegistration type, Result<Object> ready, RequestInfo info) {
        long minIndex = info.minIndex();
        if (type.blocking && minIndex > 0 && ready.meta().index() <= minIndex) {
            return null;
        }
        return type.refresh || info.maxAge() == null && !info.mustRevalidate() ? ready : null;
    }

    /**
     * @param minIndex     the index the caller asks to pass (ignored for non-blocking types)
     * @param followResets the caller is a watch whose {@code minIndex} is what it last delivered
     *                     for this entry, so an entry below it can only mean the source went back
     * @param ticker       the cache's precise clock, read only to check a {@code maxAge}
     */
    static boolean satisfies(TypeRegistration type, Snapshot snapshot, RequestInfo info, long minIndex, Look look,
                             boolean followResets, Ticker ticker) {
        if (!snapshot.valid()) {
            return false;
        }
        if (type.blocking && minIndex > 0 && snapshot.index() <= minIndex) {
            // Not past the index asked for: wait, unless the source went back, where the old
            // index may never be passed again.
            boolean wentBack = (look == Look.AFTER_STORE && snapshot.reset())
                    || (followResets && snapshot.index() < minIndex);
            if (!wentBack) {
                return false;
            }
        }
        // Only non-refreshing types can be stale: a refreshing one is kept current in the background.
        if (type.refresh) {
            return true;
        }
        // The precise clock is read only here, when an age limit asks for it: a hit without one
        // reads no precise time.
        if (info.maxAge() != null && ticker.read() - snapshot.fetchedAtNanos() > info.maxAge().toNanos()) {
            return false;
        }
        return !(look == Look.FIRST && info.mustRevalidate());
    }

    /** How a follower is answered: a result or an error, never both. */
    @FunctionalInterface
    interface Answer {
        void answer(@Nullable Result<Object> result, @Nullable Throwable error);
    }

    /**
     * The rule a waiting follower applies to a store on {@code entry}: the fetch's error
     * (the last good value travels with it, for readers that can live with stale data), or the
     * store itself when it satisfies the request by the freshness rule; else the entry is asked
     * for a fetch and the follower keeps waiting.
     *
     * @param followResets the follower is a watch (see {@link #satisfies})
     */
    static void afterStore(Entry entry, Snapshot snapshot, RequestInfo info, long minIndex, boolean followResets,
                           Ticker ticker, Answer answer) {
        if (snapshot.error() != null) {
            answer.answer(null, Results.failure(entry, snapshot, ticker));
        } else if (satisfies(entry.type, snapshot, info, minIndex, Look.AFTER_STORE, followResets, ticker)) {
            answer.answer(Results.of(entry.type, snapshot, ticker), null);
        } else {
            entry.ensureFetch();
        }
    }
}
