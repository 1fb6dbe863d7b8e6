package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import io.watchcache.Result;
import io.watchcache.Ticker;

/** How an entry's snapshot is shown to a caller: its value and meta. */
final class Results {

    private Results() {
    }

    /**
     * The result: for a hit, the snapshot's own (made by its first hit, then reused: no clock
     * read, nothing allocated); otherwise a new one. Either way its age is read when asked, on
     * {@code clock}, the cache's precise one.
     */
    static Result<Object> of(TypeRegistration type, Snapshot snapshot, boolean hit, Ticker clock) {
        Result<Object> kept = hit ? snapshot.hitResult(type.refresh, clock) : null;
        if (kept != null) {
            return kept;
        }
        return new Result<>(snapshot.value(), snapshot.meta(type.refresh, clock));
    }

    /**
     * What a reader that waited for a fetch gets when the fetch failed: the fetch's error, with
     * the last good value beside it for readers that can live with stale data.
     */
    static FetchFailedException failure(Entry entry, Snapshot snapshot, Ticker clock) {
        return new FetchFailedException("fetch failed for cache type '" + entry.type.name + "', key '"
                + entry.key.key() + "'", snapshot.error(), snapshot.value(), snapshot.meta(entry.type.refresh, clock));
    }
}
