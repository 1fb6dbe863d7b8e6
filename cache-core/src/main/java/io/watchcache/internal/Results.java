package io.watchcache.internal;

import io.watchcache.Result;
import io.watchcache.Ticker;

/** How an entry's snapshot is shown to a caller: its value and meta. */
final class Results {

    private Results() {
    }

    /**
     * The result: for a hit, the one the snapshot was stored with (no clock read, nothing
     * allocated); otherwise a new one. Either way its age is read when asked, on {@code clock},
     * the cache's precise one.
     */
    static Result<Object> of(TypeRegistration type, Snapshot snapshot, boolean hit, Ticker clock) {
        Result<Object> stored = snapshot.hitResult();
        if (hit && stored != null) {
            return stored;
        }
        return new Result<>(snapshot.value(), snapshot.meta(type.refresh, clock));
    }
}
