package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;

/**
 * A token bucket that hands out reservations instead of blocking: {@link #reserve} says how
 * long the caller must wait for its token, so a rate-limited fetch becomes a scheduled task
 * rather than a sleeping thread. Tokens may go negative; that debt is what makes later
 * callers wait their turn.
 */
final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    // Contention is one entry's fetches: at most one at a time.
    @GuardedBy("this")
    private double ratePerSecond;
    @GuardedBy("this")
    private int burst;
    @GuardedBy("this")
    private double tokens;
    @GuardedBy("this")
    private long lastNanos;
    @GuardedBy("this")
    private boolean started;

    /** A bucket for a finite rate; {@link #of} makes none for an unlimited one. */
    TokenBucket(double ratePerSecond, int burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.tokens = burst;
    }

    /**
     * The bucket for {@code ratePerSecond}: null for no limit (an entry without a rate holds no
     * bucket), else {@code current} reconfigured, or a new one.
     */
    static @Nullable TokenBucket of(double ratePerSecond, int burst, @Nullable TokenBucket current) {
        if (ratePerSecond == Double.POSITIVE_INFINITY) {
            return null;
        }
        if (current == null) {
            return new TokenBucket(ratePerSecond, burst);
        }
        current.configure(ratePerSecond, burst);
        return current;
    }

    /** Changes the rate and burst; tokens already saved above the new burst are dropped. */
    synchronized void configure(double ratePerSecond, int burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        tokens = Math.min(tokens, burst);
    }

    /**
     * Takes a token for a fetch that would start at {@code atNanos} and returns how many
     * nanoseconds after {@code atNanos} it may actually start (0: at once).
     */
    synchronized long reserve(long atNanos) {
        if (!started) {
            started = true;
            lastNanos = atNanos;
        } else if (atNanos > lastNanos) {
            tokens = Math.min(burst, tokens + (atNanos - lastNanos) / NANOS_PER_SECOND * ratePerSecond);
            lastNanos = atNanos;
        }
        tokens -= 1;
        if (tokens >= 0) {
            return 0;
        }
        // The debt is paid back at the rate; the wait is measured from the refill clock, which
        // can be ahead of atNanos when a previous reservation was for the future.
        long debtNanos = (long) Math.ceil(-tokens / ratePerSecond * NANOS_PER_SECOND);
        return Math.max(0, lastNanos + debtNanos - atNanos);
    }
}
