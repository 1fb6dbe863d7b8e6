package io.watchcache.internal;

import io.watchcache.Result;
import io.watchcache.ResultMeta;
import io.watchcache.Ticker;

import java.time.Duration;

/** How an entry's snapshot is shown to a caller: its value and meta. */
final class Results {

    private Results() {
    }

    static ResultMeta meta(TypeRegistration type, Snapshot snapshot, boolean hit, long nowNanos) {
        Duration age;
        if (type.refresh) {
            // A refreshing entry is as fresh as the source while its background query is healthy.
            age = snapshot.lostContact() ? Duration.ofNanos(Math.max(0, nowNanos - snapshot.lostContactNanos()))
                    : Duration.ZERO;
        } else {
            age = snapshot.valid() ? Duration.ofNanos(Math.max(0, nowNanos - snapshot.fetchedAtNanos()))
                    : Duration.ZERO;
        }
        return new ResultMeta(hit, age, snapshot.index());
    }

    /**
     * The result, its age read on {@code clock}, the cache's precise one: the age is the seed's,
     * exact when the result is made. A hit on a healthy refreshing entry (age 0) reuses the
     * result built when it was stored and reads no clock.
     */
    static Result<Object> of(TypeRegistration type, Snapshot snapshot, boolean hit, Ticker clock) {
        if (hit && snapshot.hitResult() != null) {
            return snapshot.hitResult();
        }
        return new Result<>(snapshot.value(), meta(type, snapshot, hit, clock.read()));
    }
}
