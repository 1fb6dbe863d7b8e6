package io.watchcache.internal;

import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A watch on a type that cannot block: it reads every {@code maxAge} and delivers when the
 * index or the value changed. Reads go through the cache, so many pollers of one request still
 * cause one fetch per {@code maxAge}.
 */
final class PollingDelivery extends Delivery {

    private final long maxAgeNanos;

    PollingDelivery(TypeRegistration type, RequestInfo info, String correlationId,
                    Consumer<UpdateEvent<Object>> listener) {
        super(type, correlationId, listener);
        // The engine refuses a polling watch without maxAge before it gets here.
        this.maxAgeNanos = Objects.requireNonNull(info.maxAge(), "maxAge").toNanos();
    }

    @Override
    long minIndex() {
        // A type that cannot block is never asked for an index.
        return 0;
    }

    @Override
    long handle(Backoff backoff, @Nullable Result<Object> result, @Nullable Throwable error) {
        if (error != null) {
            return Math.max(deliverFailure(backoff, error), pollWait(0));
        }
        answered(backoff, true);
        Objects.requireNonNull(result, "a read without an error has a result");
        long seen = result.meta().index();
        if (!hasDelivered() || seen != lastIndex() || !Objects.equals(result.value(), lastValue())) {
            deliverChange(seen, result.value(), result.meta());
        }
        return pollWait(result.meta().age().toNanos());
    }

    /**
     * Wait until the value is {@code maxAge} old, plus a little jitter so the next read finds it
     * stale (and fetches) rather than exactly on the edge, and so pollers spread out.
     */
    private long pollWait(long ageNanos) {
        long wait = Math.max(0, maxAgeNanos - ageNanos);
        return wait + ThreadLocalRandom.current().nextLong(maxAgeNanos / 16 + 1);
    }
}
