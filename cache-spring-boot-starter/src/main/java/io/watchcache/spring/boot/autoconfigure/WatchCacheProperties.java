package io.watchcache.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Configuration of the auto-configured {@link io.watchcache.WatchCache}, under {@code watchcache.*}.
 * Values are checked together when the cache is built: startup stops with every bad one named,
 * with its value as written and where it was set. Unknown keys under {@code watchcache.types.<name>}
 * are errors too.
 */
@ConfigurationProperties("watchcache")
public class WatchCacheProperties {

    /** Whether to auto-configure the watch cache, its types, watches, metrics and actuator support. */
    private boolean enabled = true;

    /** Fetches per second each entry may start. Unset means unlimited. */
    private @Nullable Double entryFetchRate;

    /** Fetches an entry may start at once before the rate limit applies. */
    private int entryFetchMaxBurst = 2;

    /** Entry lifetime without a read, for types that set none of their own. */
    private Duration defaultLastGetTtl = Duration.ofHours(72);

    /** Longest wait of one blocking query, for types that set none of their own. */
    private Duration defaultQueryTimeout = Duration.ofMinutes(10);

    /** Most entries to keep; the least recently used go first. Unset means unbounded. */
    private @Nullable Long maxEntries;

    private final Backoff backoff = new Backoff();

    private final Health health = new Health();

    private final Readiness readiness = new Readiness();

    private final Metrics metrics = new Metrics();

    /** Per-type overrides, keyed by the type's bean name. */
    private final Map<String, TypeOverrides> types = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public @Nullable Double getEntryFetchRate() {
        return entryFetchRate;
    }

    public void setEntryFetchRate(@Nullable Double entryFetchRate) {
        this.entryFetchRate = entryFetchRate;
    }

    public int getEntryFetchMaxBurst() {
        return entryFetchMaxBurst;
    }

    public void setEntryFetchMaxBurst(int entryFetchMaxBurst) {
        this.entryFetchMaxBurst = entryFetchMaxBurst;
    }

    public Duration getDefaultLastGetTtl() {
        return defaultLastGetTtl;
    }

    public void setDefaultLastGetTtl(Duration defaultLastGetTtl) {
        this.defaultLastGetTtl = defaultLastGetTtl;
    }

    public Duration getDefaultQueryTimeout() {
        return defaultQueryTimeout;
    }

    public void setDefaultQueryTimeout(Duration defaultQueryTimeout) {
        this.defaultQueryTimeout = defaultQueryTimeout;
    }

    public @Nullable Long getMaxEntries() {
        return maxEntries;
    }

    public void setMaxEntries(@Nullable Long maxEntries) {
        this.maxEntries = maxEntries;
    }

    public Backoff getBackoff() {
        return backoff;
    }

    public Health getHealth() {
        return health;
    }

    public Readiness getReadiness() {
        return readiness;
    }

    public Map<String, TypeOverrides> getTypes() {
        return types;
    }

    /** Waits between failed fetches: free at first, then doubling up to a maximum. */
    public static class Backoff {

        /** Failed attempts in a row that are retried without waiting. */
        private int freeFailures = 3;

        /** Longest wait between failed attempts, before jitter. */
        private Duration maxWait = Duration.ofMinutes(1);

        /** Whether to add random jitter of up to the wait itself, so failing entries spread out. */
        private boolean jitter = true;

        public int getFreeFailures() {
            return freeFailures;
        }

        public void setFreeFailures(int freeFailures) {
            this.freeFailures = freeFailures;
        }

        public Duration getMaxWait() {
            return maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        public boolean isJitter() {
            return jitter;
        }

        public void setJitter(boolean jitter) {
            this.jitter = jitter;
        }
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /** The cache's meters, when there is a {@code MeterRegistry}. */
    public static class Metrics {

        /**
         * Whether each type also gets Micrometer's cache meters (cache.gets, cache.puts,
         * cache.evictions, cache.size, tagged cache=<type> and cacheManager=watchcache) beside
         * the watchcache.* ones, so dashboards built for Spring's caches work unchanged.
         */
        private boolean cacheMeters = true;

        public boolean isCacheMeters() {
            return cacheMeters;
        }

        public void setCacheMeters(boolean cacheMeters) {
            this.cacheMeters = cacheMeters;
        }
    }

    /** The {@code watchcache} health indicator. */
    public static class Health {

        /** How long an entry's background query may fail before health reports it. */
        private Duration lostContactThreshold = Duration.ofMinutes(1);

        /** Status to report while entries have lost contact longer than the threshold. */
        private String lostContactStatus = "DOWN";

        /**
         * Whether health counts every entry. By default it counts only what the application
         * depends on: entries held by a watch, a live value or a configuration import. An entry
         * that exists because one request asked for it reports its failure to that request.
         */
        private boolean countAllEntries = false;

        public boolean isCountAllEntries() {
            return countAllEntries;
        }

        public void setCountAllEntries(boolean countAllEntries) {
            this.countAllEntries = countAllEntries;
        }

        public Duration getLostContactThreshold() {
            return lostContactThreshold;
        }

        public void setLostContactThreshold(Duration lostContactThreshold) {
            this.lostContactThreshold = lostContactThreshold;
        }

        public String getLostContactStatus() {
            return lostContactStatus;
        }

        public void setLostContactStatus(String lostContactStatus) {
            this.lostContactStatus = lostContactStatus;
        }
    }

    /** Holding the application's readiness until the cache has its first values. */
    public static class Readiness {

        /**
         * Whether the application stays REFUSING_TRAFFIC until every CacheWatch bean, LiveValue
         * bean and configuration import has its first value (or the timeout passes).
         */
        private boolean awaitFirstValue = false;

        /** Longest time to hold readiness for first values; after it the application is ready anyway. */
        private Duration timeout = Duration.ofSeconds(30);

        public boolean isAwaitFirstValue() {
            return awaitFirstValue;
        }

        public void setAwaitFirstValue(boolean awaitFirstValue) {
            this.awaitFirstValue = awaitFirstValue;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** Overrides of one type's own register options; unset values keep the type's. */
    public static class TypeOverrides {

        /** Whether to keep the type's entries fresh in the background. */
        private @Nullable Boolean refresh;

        /** Pause between background fetches. */
        private @Nullable Duration refreshTimer;

        /** Longest wait of one blocking query. */
        private @Nullable Duration queryTimeout;

        /** Entry lifetime without a read. */
        private @Nullable Duration lastGetTtl;

        /**
         * Whether every read of the type is consistent: it reflects every write the source acknowledged
         * before it started.
         */
        private @Nullable Boolean consistentReads;

        public @Nullable Boolean getConsistentReads() {
            return consistentReads;
        }

        public void setConsistentReads(@Nullable Boolean consistentReads) {
            this.consistentReads = consistentReads;
        }

        public @Nullable Boolean getRefresh() {
            return refresh;
        }

        public void setRefresh(@Nullable Boolean refresh) {
            this.refresh = refresh;
        }

        public @Nullable Duration getRefreshTimer() {
            return refreshTimer;
        }

        public void setRefreshTimer(@Nullable Duration refreshTimer) {
            this.refreshTimer = refreshTimer;
        }

        public @Nullable Duration getQueryTimeout() {
            return queryTimeout;
        }

        public void setQueryTimeout(@Nullable Duration queryTimeout) {
            this.queryTimeout = queryTimeout;
        }

        public @Nullable Duration getLastGetTtl() {
            return lastGetTtl;
        }

        public void setLastGetTtl(@Nullable Duration lastGetTtl) {
            this.lastGetTtl = lastGetTtl;
        }

        /** The overrides that are set, as a startup error shows them. */
        @Override
        public String toString() {
            StringBuilder set = new StringBuilder();
            append(set, "refresh", refresh);
            append(set, "refresh-timer", refreshTimer);
            append(set, "query-timeout", queryTimeout);
            append(set, "last-get-ttl", lastGetTtl);
            append(set, "consistent-reads", consistentReads);
            return "{" + set + "}";
        }

        private static void append(StringBuilder set, String name, @Nullable Object value) {
            if (value != null) {
                set.append(set.length() == 0 ? "" : ", ").append(name).append('=').append(value);
            }
        }
    }
}
