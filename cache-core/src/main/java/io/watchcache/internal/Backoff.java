package io.watchcache.internal;

import io.watchcache.CacheOptions;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait after {@code failures} failed attempts in a row. The first
 * {@code freeFailures} cost nothing (a blip should not delay recovery); the next waits twice
 * {@code baseWait}, and each after it twice the one before, up to {@code maxWait}; plus random
 * jitter of up to the same again so that many entries failing together do not retry in lock step.
 */
record Backoff(int freeFailures, Duration baseWait, Duration maxWait, boolean jitter) {

    static Backoff from(CacheOptions options) {
        return new Backoff(options.backoffFreeFailures(), options.backoffBaseWait(), options.backoffMaxWait(),
                options.backoffJitter());
    }

    /** The wait before the next attempt, in nanoseconds, without jitter. */
    long baseNanos(int failures) {
        if (failures <= freeFailures) {
            return 0;
        }
        int shift = failures - freeFailures;
        long base = baseWait.toNanos();
        long max = maxWait.toNanos();
        // Guard the shift: 2^shift overflows long long before a minute-capped wait needs it.
        if (shift >= 62 || base > (max >> shift)) {
            return max;
        }
        return base << shift;
    }

    /** The wait before the next attempt, in nanoseconds, with jitter when enabled. */
    long waitNanos(int failures) {
        long wait = baseNanos(failures);
        if (wait > 0 && jitter) {
            wait += ThreadLocalRandom.current().nextLong(wait + 1);
        }
        return wait;
    }
}
