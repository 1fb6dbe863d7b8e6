package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * What the cache needs to know about a request: which entry it reads (type name is given
 * separately; here the partition, token and key) and how fresh the answer must be.
 *
 * <p>The {@code token} is a credential: it separates entries (two tokens never share an
 * entry) but it is never printed. {@link #toString()} shows only whether one is set.
 *
 * @param key            the entry key; blank means "do not cache, always fetch"
 * @param partition      a namespace such as a datacenter; {@code null} is the default partition
 * @param token          an access token; part of the entry identity, never logged
 * @param minIndex       for blocking types: wait until the entry's index is greater than this
 * @param timeout        how long a caller waits for a fresher value; {@code null}: as long as the fetch takes
 * @param maxAge         for non-refreshing types: the oldest value the caller accepts; {@code null}: any
 * @param mustRevalidate for non-refreshing types: always fetch on the first look
 * @param consistent     the answer must reflect every write the source acknowledged before the
 *                       read started: served from the entry once it has caught up (for a type that
 *                       {@linkplain CacheType#supportsConsistentReads() can tell}), else fetched
 *                       past the cache; {@link ResultMeta#consistent()} says which answers were
 */
public record RequestInfo(String key, String partition, String token, long minIndex,
                          @Nullable Duration timeout, @Nullable Duration maxAge, boolean mustRevalidate,
                          boolean consistent) {

    /**
     * What a secret reads as wherever the cache or its integrations show one (a token in
     * {@code toString}, a hidden key in the actuator, a secret-looking property in an event).
     */
    public static final String MASK = "******";

    public RequestInfo {
        key = key == null ? "" : key;
        partition = partition == null ? "" : partition;
        token = token == null ? "" : token;
        if (minIndex < 0) {
            throw new InvalidOptionException("minIndex", minIndex, "must not be negative");
        }
        timeout = Durations.nonNegative("timeout", timeout);
        maxAge = Durations.nonNegative("maxAge", maxAge);
    }

    /** A request info that does not ask for a consistent read (the form before consistent reads). */
    public RequestInfo(String key, String partition, String token, long minIndex, @Nullable Duration timeout,
                       @Nullable Duration maxAge, boolean mustRevalidate) {
        this(key, partition, token, minIndex, timeout, maxAge, mustRevalidate, false);
    }

    /** A request info for {@code key} with everything else unset. */
    public static RequestInfo of(String key) {
        return builder().key(key).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this info, to change one field. */
    public Builder toBuilder() {
        return new Builder().key(key).partition(partition).token(token).minIndex(minIndex)
                .timeout(timeout).maxAge(maxAge).mustRevalidate(mustRevalidate).consistent(consistent);
    }

    /** The same info asking for entries newer than {@code index}. */
    public RequestInfo withMinIndex(long index) {
        return new RequestInfo(key, partition, token, index, timeout, maxAge, mustRevalidate, consistent);
    }

    @Override
    public String toString() {
        return "RequestInfo[key=" + key + ", partition=" + partition
                + ", token=" + (token.isEmpty() ? "" : MASK) + ", minIndex=" + minIndex
                + ", timeout=" + timeout + ", maxAge=" + maxAge + ", mustRevalidate=" + mustRevalidate
                + ", consistent=" + consistent + "]";
    }

    public static final class Builder {
        private String key = "";
        private String partition = "";
        private String token = "";
        private long minIndex;
        private @Nullable Duration timeout;
        private @Nullable Duration maxAge;
        private boolean mustRevalidate;
        private boolean consistent;

        private Builder() {
        }

        public Builder key(String key) {
            this.key = key;
            return this;
        }

        public Builder partition(String partition) {
            this.partition = partition;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder minIndex(long minIndex) {
            if (minIndex < 0) {
                throw new InvalidOptionException("minIndex", minIndex, "must not be negative");
            }
            this.minIndex = minIndex;
            return this;
        }

        public Builder timeout(@Nullable Duration timeout) {
            this.timeout = Durations.nonNegative("timeout", timeout);
            return this;
        }

        public Builder maxAge(@Nullable Duration maxAge) {
            this.maxAge = Durations.nonNegative("maxAge", maxAge);
            return this;
        }

        public Builder mustRevalidate(boolean mustRevalidate) {
            this.mustRevalidate = mustRevalidate;
            return this;
        }

        /** Asks for a consistent read ({@link RequestInfo#consistent()}). */
        public Builder consistent(boolean consistent) {
            this.consistent = consistent;
            return this;
        }

        public RequestInfo build() {
            return new RequestInfo(key, partition, token, minIndex, timeout, maxAge, mustRevalidate, consistent);
        }
    }
}
