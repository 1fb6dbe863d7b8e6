package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * The one rule for durations wherever they enter the cache or its integrations: negative (or,
 * where a wait must happen, zero) ones are refused with an {@link InvalidOptionException}, and
 * huge ones are clamped to {@link CacheOptions#MAX_DURATION}, so "wait forever" can be written
 * as {@code 9999d} and no later arithmetic in nanoseconds can overflow.
 */
public final class Durations {

    private Durations() {
    }

    /** {@code value} (may be null), refused when negative, clamped when huge. */
    public static @Nullable Duration nonNegative(String name, @Nullable Duration value) {
        if (value != null && value.isNegative()) {
            throw new InvalidOptionException(name, value, "must not be negative");
        }
        return clamp(value);
    }

    /** {@code value} (may be null), refused when zero or negative, clamped when huge. */
    public static @Nullable Duration positive(String name, @Nullable Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new InvalidOptionException(name, value, "must be positive");
        }
        return clamp(value);
    }

    /** Like {@link #positive} but {@code value} must be set. */
    public static Duration requiredPositive(String name, @Nullable Duration value) {
        if (value == null) {
            throw new InvalidOptionException(name, null, "must be set");
        }
        return Objects.requireNonNull(positive(name, value));
    }

    private static @Nullable Duration clamp(@Nullable Duration value) {
        return value != null && value.compareTo(CacheOptions.MAX_DURATION) > 0 ? CacheOptions.MAX_DURATION : value;
    }
}
