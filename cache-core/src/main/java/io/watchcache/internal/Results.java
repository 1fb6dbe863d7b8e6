package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import io.watchcache.Result;
import io.watchcache.Ticker;

import java.util.Objects;

/** How an entry's snapshot is shown to a caller: its value and meta. */
final class Results {

    private Results() {
    }

    /**
     * A new result of {@code snapshot} for a reader that was not a hit (it waited). Its age is
     * read when asked, on {@code clock}, the cache's precise one.
     */
    static Result<Object> of(TypeRegistration type, Snapshot snapshot, Ticker clock) {
        return new Result<>(snapshot.value(), snapshot.meta(type.refresh, clock));
    }

    /**
     * The result of a hit on {@code snapshot}, a valid snapshot of {@code entry}: the one the
     * entry keeps for it (nothing allocated, no clock read), else a new one, which the entry keeps
     * while {@code snapshot} is its own. Its age is read when asked, on {@code clock}.
     */
    static Result<Object> hit(Entry entry, Snapshot snapshot, Ticker clock) {
        Result<Object> kept = entry.hit();
        // Read after the kept result: a swap clears that first, so the same snapshot means it is this one's.
        if (kept != null && entry.snapshot() == snapshot) {
            return kept;
        }
        Result<Object> made = Objects.requireNonNull(snapshot.hitResult(entry.type.refresh, clock),
                "a hit on an invalid snapshot");
        return entry.keepHit(snapshot, made);
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
