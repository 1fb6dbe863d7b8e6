package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * How the cache treats a type. A {@code null} duration means "the cache's default"
 * ({@link CacheOptions#defaultQueryTimeout()}, {@link CacheOptions#defaultLastGetTtl()}).
 * Durations are checked where they enter, in the builder's setters as in the constructor:
 * negative (or zero, where a positive one is needed) is refused, longer than
 * {@link CacheOptions#MAX_DURATION} is clamped.
 *
 * @param supportsBlocking the type's fetch honours {@code minIndex} and waits for a change
 * @param refresh          keep every entry fresh in the background for as long as it lives
 * @param refreshTimer     pause between background fetches ({@code null} or zero: none)
 * @param queryTimeout     how long one blocking fetch may wait
 * @param lastGetTtl       how long an entry lives without a {@code get}
 * @param consistentReads  every read of the registration is a consistent one, as if each request
 *                         asked ({@link RequestInfo#consistent()}); a watch's first value too, when
 *                         the type {@linkplain CacheType#supportsConsistentReads() can tell}
 */
public record RegisterOptions(boolean supportsBlocking, boolean refresh, @Nullable Duration refreshTimer,
                              @Nullable Duration queryTimeout, @Nullable Duration lastGetTtl,
                              boolean consistentReads) {

    private static final RegisterOptions DEFAULTS = new RegisterOptions(false, false, null, null, null);
    private static final RegisterOptions BLOCKING_REFRESH = new RegisterOptions(true, true, null, null, null);

    public RegisterOptions {
        refreshTimer = Durations.nonNegative("refreshTimer", refreshTimer);
        queryTimeout = Durations.positive("queryTimeout", queryTimeout);
        lastGetTtl = Durations.positive("lastGetTtl", lastGetTtl);
    }

    /** Options whose reads are consistent only when a request asks (the form before consistent reads). */
    public RegisterOptions(boolean supportsBlocking, boolean refresh, @Nullable Duration refreshTimer,
                           @Nullable Duration queryTimeout, @Nullable Duration lastGetTtl) {
        this(supportsBlocking, refresh, refreshTimer, queryTimeout, lastGetTtl, false);
    }

    /** Not blocking, not refreshing, every duration the cache's default. */
    public static RegisterOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The usual options of a source with blocking queries (etcd, Consul, long polls): it
     * supports blocking, and every entry keeps a blocking query running in the background.
     */
    public static RegisterOptions blockingRefresh() {
        return BLOCKING_REFRESH;
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder that starts from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * These options with {@code overrides} laid on top: the override's {@code refresh},
     * {@code consistentReads} and every duration it sets win. {@code supportsBlocking} stays this type's own, since it
     * describes what the type's fetch does rather than a policy one may choose.
     */
    public RegisterOptions overriddenBy(@Nullable RegisterOptions overrides) {
        if (overrides == null) {
            return this;
        }
        return new RegisterOptions(supportsBlocking, overrides.refresh,
                overrides.refreshTimer != null ? overrides.refreshTimer : refreshTimer,
                overrides.queryTimeout != null ? overrides.queryTimeout : queryTimeout,
                overrides.lastGetTtl != null ? overrides.lastGetTtl : lastGetTtl, overrides.consistentReads);
    }

    public static final class Builder {
        private boolean supportsBlocking;
        private boolean refresh;
        private @Nullable Duration refreshTimer;
        private @Nullable Duration queryTimeout;
        private @Nullable Duration lastGetTtl;
        private boolean consistentReads;

        private Builder(RegisterOptions from) {
            supportsBlocking = from.supportsBlocking;
            refresh = from.refresh;
            refreshTimer = from.refreshTimer;
            queryTimeout = from.queryTimeout;
            lastGetTtl = from.lastGetTtl;
            consistentReads = from.consistentReads;
        }

        public Builder supportsBlocking(boolean supportsBlocking) {
            this.supportsBlocking = supportsBlocking;
            return this;
        }

        public Builder refresh(boolean refresh) {
            this.refresh = refresh;
            return this;
        }

        public Builder refreshTimer(@Nullable Duration refreshTimer) {
            this.refreshTimer = Durations.nonNegative("refreshTimer", refreshTimer);
            return this;
        }

        public Builder queryTimeout(@Nullable Duration queryTimeout) {
            this.queryTimeout = Durations.positive("queryTimeout", queryTimeout);
            return this;
        }

        public Builder lastGetTtl(@Nullable Duration lastGetTtl) {
            this.lastGetTtl = Durations.positive("lastGetTtl", lastGetTtl);
            return this;
        }

        /** Makes every read of the registration consistent ({@link RegisterOptions#consistentReads()}). */
        public Builder consistentReads(boolean consistentReads) {
            this.consistentReads = consistentReads;
            return this;
        }

        public RegisterOptions build() {
            return new RegisterOptions(supportsBlocking, refresh, refreshTimer, queryTimeout, lastGetTtl,
                    consistentReads);
        }
    }
}
