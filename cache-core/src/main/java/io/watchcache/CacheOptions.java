package io.watchcache;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * How a {@link WatchCache} runs. Immutable; build with {@link #builder()}.
 *
 * <p>{@link WatchCache#reloadOptions} applies the fetch rate limit and the backoff settings to
 * live entries; the executor, meter registry, ticker, entry bound and default durations are
 * fixed when the cache is built.
 */
public final class CacheOptions {

    /**
     * The longest duration the cache works with (about ten years). Longer ones, wherever they
     * enter (options, requests, registrations), are clamped to it, so "wait forever" can be
     * written as {@code Duration.ofSeconds(Long.MAX_VALUE)} without overflowing anything.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(3650);

    /** The settings, in a copy of the builder they were built with that nobody else can reach. */
    private final Builder settings;

    private CacheOptions(Builder builder) {
        settings = new Builder(builder);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** All defaults: the cache's own executor, no rate limit, no metrics. */
    public static CacheOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        return new Builder(settings);
    }

    /** The executor fetches and watch loops run on, or {@code null} for the cache's own. */
    public @Nullable Executor executor() {
        return settings.executor;
    }

    /**
     * Whether the cache's own executor (when none is given) runs on virtual threads where the
     * JVM has them (Java 21+). Otherwise it is a pool of daemon threads named {@code watchcache-*}:
     * a few workers, and one more for each blocked worker whenever queued work has waited, so it
     * never starves however many fetches block, yet a burst of short tasks starts no threads.
     */
    public boolean virtualThreads() {
        return settings.virtualThreads;
    }

    /** Fetches per second each entry may start; {@link Double#POSITIVE_INFINITY} means unlimited. */
    public double entryFetchRate() {
        return settings.entryFetchRate;
    }

    /** How many fetches an entry may start at once before the rate applies. */
    public int entryFetchMaxBurst() {
        return settings.entryFetchMaxBurst;
    }

    /** Failed attempts in a row that cost no wait. */
    public int backoffFreeFailures() {
        return settings.backoffFreeFailures;
    }

    /**
     * The unit of the backoff: the first failure that is not free waits twice this, and each
     * failure after it twice the wait before (up to {@link #backoffMaxWait()}). With the
     * defaults (1 s, 3 free failures) the 4th failure in a row waits 2 s, the 5th 4 s.
     */
    public Duration backoffBaseWait() {
        return settings.backoffBaseWait;
    }

    /** The longest wait between failed attempts (before jitter). */
    public Duration backoffMaxWait() {
        return settings.backoffMaxWait;
    }

    /** Whether each backoff wait gets a random extra of up to the same length again. */
    public boolean backoffJitter() {
        return settings.backoffJitter;
    }

    /** How long an entry lives without a {@code get}, for types that do not set their own. */
    public Duration defaultLastGetTtl() {
        return settings.defaultLastGetTtl;
    }

    /** How long one blocking fetch may wait, for types that do not set their own. */
    public Duration defaultQueryTimeout() {
        return settings.defaultQueryTimeout;
    }

    /** The most entries the cache keeps ({@link Long#MAX_VALUE}: unbounded). */
    public long maxEntries() {
        return settings.maxEntries;
    }

    /** Where the cache's meters are registered, or {@code null} for none. */
    public @Nullable MeterRegistry meterRegistry() {
        return settings.meterRegistry;
    }

    /**
     * Where each fetch is observed ({@code watchcache.fetch}, low-cardinality keys {@code type}
     * and {@code outcome}), or {@code null} for none. With a registry the observation is the
     * fetch timer: the cache registers no {@code watchcache.fetch} timer of its own, so a meter
     * handler on the registry (Spring Boot adds one) records it once.
     */
    public @Nullable ObservationRegistry observationRegistry() {
        return settings.observationRegistry;
    }

    /**
     * Whether each type also gets Micrometer's cache meters ({@code cache.gets}, {@code cache.puts},
     * {@code cache.evictions}, {@code cache.size}, tagged {@code cache=<type>} and
     * {@code cacheManager=watchcache}), beside the {@code watchcache.*} ones, so dashboards
     * built for Spring's caches work unchanged. Only with a {@link #meterRegistry()}; default true.
     */
    public boolean cacheMeters() {
        return settings.cacheMeters;
    }

    public Ticker ticker() {
        return settings.ticker;
    }

    /**
     * Where the cache's delays run (refresh, backoff, rate limits, polling, timeouts, expiry
     * checks), or {@code null} for the cache's own timer thread. A scheduler that is given
     * must agree with {@link #ticker()}: a task due in 5 s runs when the ticker has moved 5 s.
     */
    public @Nullable Scheduler scheduler() {
        return settings.scheduler;
    }

    /**
     * Every setting; a collaborator (executor, registries, ticker, scheduler) by its class, or
     * "own" / "none" when not given.
     */
    @Override
    public String toString() {
        Builder b = settings;
        return "CacheOptions[executor=" + classOf(b.executor, "own") + ", virtualThreads=" + b.virtualThreads
                + ", entryFetchRate=" + b.entryFetchRate + ", entryFetchMaxBurst=" + b.entryFetchMaxBurst
                + ", backoffFreeFailures=" + b.backoffFreeFailures + ", backoffBaseWait=" + b.backoffBaseWait
                + ", backoffMaxWait=" + b.backoffMaxWait + ", backoffJitter=" + b.backoffJitter
                + ", defaultLastGetTtl=" + b.defaultLastGetTtl + ", defaultQueryTimeout=" + b.defaultQueryTimeout
                + ", maxEntries=" + b.maxEntries + ", meterRegistry=" + classOf(b.meterRegistry, "none")
                + ", observationRegistry=" + classOf(b.observationRegistry, "none") + ", cacheMeters=" + b.cacheMeters
                + ", ticker=" + b.ticker.getClass().getName() + ", scheduler=" + classOf(b.scheduler, "own") + "]";
    }

    private static String classOf(@Nullable Object collaborator, String absent) {
        return collaborator == null ? absent : collaborator.getClass().getName();
    }

    public static final class Builder {
        private @Nullable Executor executor;
        private boolean virtualThreads = true;
        private double entryFetchRate = Double.POSITIVE_INFINITY;
        private int entryFetchMaxBurst = 2;
        private int backoffFreeFailures = 3;
        private Duration backoffBaseWait = Duration.ofSeconds(1);
        private Duration backoffMaxWait = Duration.ofMinutes(1);
        private boolean backoffJitter = true;
        private Duration defaultLastGetTtl = Duration.ofHours(72);
        private Duration defaultQueryTimeout = Duration.ofMinutes(10);
        private long maxEntries = Long.MAX_VALUE;
        private @Nullable MeterRegistry meterRegistry;
        private @Nullable ObservationRegistry observationRegistry;
        private boolean cacheMeters = true;
        private Ticker ticker = Ticker.system();
        private @Nullable Scheduler scheduler;

        private Builder() {
        }

        /** A copy of {@code o}: every setting, each named once here. */
        private Builder(Builder o) {
            executor = o.executor;
            virtualThreads = o.virtualThreads;
            entryFetchRate = o.entryFetchRate;
            entryFetchMaxBurst = o.entryFetchMaxBurst;
            backoffFreeFailures = o.backoffFreeFailures;
            backoffBaseWait = o.backoffBaseWait;
            backoffMaxWait = o.backoffMaxWait;
            backoffJitter = o.backoffJitter;
            defaultLastGetTtl = o.defaultLastGetTtl;
            defaultQueryTimeout = o.defaultQueryTimeout;
            maxEntries = o.maxEntries;
            meterRegistry = o.meterRegistry;
            observationRegistry = o.observationRegistry;
            cacheMeters = o.cacheMeters;
            ticker = o.ticker;
            scheduler = o.scheduler;
        }

        /**
         * Runs fetches and watch loops on {@code executor}. Blocking queries hold a thread for
         * minutes, so a pool with a bounded size and a work queue would starve; such a
         * {@link ThreadPoolExecutor} is refused. {@code null}: the cache's own (virtual threads
         * where the JVM has them, else a pool that grows while its workers block: see
         * {@link CacheOptions#virtualThreads()}).
         */
        public Builder executor(@Nullable Executor executor) {
            if (executor instanceof ThreadPoolExecutor pool && !(pool.getQueue() instanceof SynchronousQueue)) {
                throw new InvalidOptionException("executor", executor, "must not queue tasks behind a bounded pool:"
                        + " blocking queries hold threads for minutes and queued fetches would starve; use an"
                        + " unbounded or virtual-thread executor");
            }
            this.executor = executor;
            return this;
        }

        /** See {@link CacheOptions#virtualThreads()}; ignored when an executor is given. */
        public Builder virtualThreads(boolean virtualThreads) {
            this.virtualThreads = virtualThreads;
            return this;
        }

        public Builder entryFetchRate(double perSecond) {
            if (Double.isNaN(perSecond) || perSecond <= 0) {
                throw new InvalidOptionException("entryFetchRate", perSecond,
                        "must be a positive number of fetches per second");
            }
            this.entryFetchRate = perSecond;
            return this;
        }

        public Builder entryFetchMaxBurst(int burst) {
            if (burst < 1) {
                throw new InvalidOptionException("entryFetchMaxBurst", burst, "must be at least 1");
            }
            this.entryFetchMaxBurst = burst;
            return this;
        }

        public Builder backoffFreeFailures(int freeFailures) {
            if (freeFailures < 0) {
                throw new InvalidOptionException("backoffFreeFailures", freeFailures, "must not be negative");
            }
            this.backoffFreeFailures = freeFailures;
            return this;
        }

        public Builder backoffBaseWait(Duration baseWait) {
            this.backoffBaseWait = Durations.requiredPositive("backoffBaseWait", baseWait);
            return this;
        }

        public Builder backoffMaxWait(Duration maxWait) {
            this.backoffMaxWait = Durations.requiredPositive("backoffMaxWait", maxWait);
            return this;
        }

        public Builder backoffJitter(boolean jitter) {
            this.backoffJitter = jitter;
            return this;
        }

        public Builder defaultLastGetTtl(Duration ttl) {
            this.defaultLastGetTtl = Durations.requiredPositive("defaultLastGetTtl", ttl);
            return this;
        }

        public Builder defaultQueryTimeout(Duration timeout) {
            this.defaultQueryTimeout = Durations.requiredPositive("defaultQueryTimeout", timeout);
            return this;
        }

        /** Bounds the number of entries; the least recently used go first. */
        public Builder maxEntries(long maxEntries) {
            if (maxEntries < 1) {
                throw new InvalidOptionException("maxEntries", maxEntries, "must be at least 1");
            }
            this.maxEntries = maxEntries;
            return this;
        }

        public Builder meterRegistry(@Nullable MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** See {@link CacheOptions#observationRegistry()}; {@code null} or the no-op registry: none. */
        public Builder observationRegistry(@Nullable ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry == null || observationRegistry.isNoop() ? null
                    : observationRegistry;
            return this;
        }

        /** See {@link CacheOptions#cacheMeters()}. */
        public Builder cacheMeters(boolean cacheMeters) {
            this.cacheMeters = cacheMeters;
            return this;
        }

        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** See {@link CacheOptions#scheduler()}; {@code null}: the cache's own timer thread. */
        public Builder scheduler(@Nullable Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        public CacheOptions build() {
            return new CacheOptions(this);
        }
    }
}
