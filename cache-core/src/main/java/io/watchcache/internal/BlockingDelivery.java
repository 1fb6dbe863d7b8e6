package io.watchcache.internal;

import io.watchcache.FetchFailedException;
import io.watchcache.Result;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A watch on a blocking type: each read asks for an index past the last delivered one, so it
 * completes exactly when the value changes (or the request's own timeout passes).
 */
final class BlockingDelivery extends Delivery {

    BlockingDelivery(TypeRegistration type, String correlationId, Consumer<UpdateEvent<Object>> listener) {
        super(type, correlationId, listener);
    }

    @Override
    long minIndex() {
        // Starting at 0 delivers the current value at once (a hit when it is cached), so a
        // watcher never waits for the next change to learn the present.
        return lastIndex();
    }

    @Override
    long handle(Backoff backoff, @Nullable Result<Object> result, @Nullable Throwable error) {
        if (error != null) {
            long wait = deliverFailure(backoff, error);
            // A refreshing entry with a value already backs off between its own failed fetches,
            // and the next read waits for its next outcome: a second backoff here would only
            // delay recovery past the entry's. Without a value to wait with, or without a
            // refresh, the read would start a fetch at once, so the watch paces itself.
            // A fatal error stopped the refresh: the next read would fetch at once, so back off too.
            Throwable cause = error instanceof FetchFailedException failed && failed.getCause() != null
                    ? failed.getCause() : error;
            return type.refresh && lastIndex() > 0 && !type.isFatal(cause) ? 0 : wait;
        }
        Objects.requireNonNull(result, "a read without an error has a result");
        long seen = result.meta().index();
        // Any move is a change: forward is news, backwards means the source was restored or
        // compacted, and waiting for the old index to come round again could take forever.
        if (seen != lastIndex() && seen > 0) {
            deliverChange(seen, result.value(), result.meta());
        }
        // An answer without an index (nothing valid yet, the request's timeout passed) would
        // make the next read return at once: back off instead of spinning.
        return answered(backoff, seen > 0);
    }
}
