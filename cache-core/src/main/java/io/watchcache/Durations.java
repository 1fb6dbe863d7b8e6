package io.watchcache;

import java.time.Duration;
import java.util.Objects;

/**
 * Where durations enter the API: negative ones are refused, huge ones clamped to
 * {@link CacheOptions#MAX_DURATION}, so no later arithmetic in nanoseconds can overflow.
 */
final class Durations {

    private Durations() {
    }

    /** {@code value} (may be null), refused when negative, clamped when huge. */
    static Duration nonNegative(String name, Duration value) {
        if (value != null && value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return clamp(value);
    }

    /** {@code value} (may be null), refused when zero or negative, clamped when huge. */
    static Duration positive(String name, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return clamp(value);
    }

    /** Like {@link #positive} but {@code value} must be set. */
    static Duration requiredPositive(String name, Duration value) {
        return positive(name, Objects.requireNonNull(value, name));
    }

    private static Duration clamp(Duration value) {
        return value != null && value.compareTo(CacheOptions.MAX_DURATION) > 0 ? CacheOptions.MAX_DURATION : value;
    }
}
