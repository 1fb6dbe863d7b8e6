package io.watchcache;

import org.jspecify.annotations.Nullable;

/**
 * A caller had to wait for a fetch and the fetch failed. The cause is the type's error; the
 * last good value (possibly {@code null}) and its meta are still available.
 */
public class FetchFailedException extends RuntimeException {

    private final transient @Nullable Object lastValue;
    private final ResultMeta meta;

    public FetchFailedException(@Nullable String message, @Nullable Throwable cause, @Nullable Object lastValue,
                                ResultMeta meta) {
        super(message, cause);
        this.lastValue = lastValue;
        this.meta = meta;
    }

    /**
     * The last good value of the entry, or {@code null} if it never had one (or it was absent).
     * Typed as {@code Object} on purpose: an exception cannot carry a checked generic type, and
     * a cast that looks typed would only move the failure elsewhere.
     */
    public @Nullable Object lastValue() {
        return lastValue;
    }

    public ResultMeta meta() {
        return meta;
    }
}
