package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheOptions;
import io.watchcache.Durations;
import io.watchcache.InvalidOptionException;
import io.watchcache.RegisterOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Maps {@link WatchCacheProperties} onto the core's builders. The core checks every value; what
 * it refuses goes to the {@link ConfigurationCheck} under the property's own name, so one
 * startup error lists everything to change in {@code application.yml}.
 */
final class CacheOptionsFactory {

    private CacheOptionsFactory() {
    }

    /**
     * The cache's options from {@code properties}, after checking the whole {@code watchcache.*}
     * tree ({@code cacheTypeBeans} are the names {@code watchcache.types} may use) unless
     * {@code treeChecked}: the early check already did (then only the cache's own options are
     * checked, as they are applied).
     *
     * @throws InvalidConfigurationPropertyValueException for one invalid value
     * @throws InvalidWatchCacheConfigurationException for more
     */
    static CacheOptions.Builder cacheOptions(WatchCacheProperties properties, boolean virtualThreads,
                                             ConfigurationCheck check, Collection<String> cacheTypeBeans,
                                             boolean treeChecked) {
        CacheOptions.Builder builder = CacheOptions.builder().virtualThreads(virtualThreads);
        if (properties.getEntryFetchRate() != null) {
            apply(check, "watchcache.entry-fetch-rate", properties.getEntryFetchRate(),
                    rate -> builder.entryFetchRate(rate));
        }
        apply(check, "watchcache.entry-fetch-max-burst", properties.getEntryFetchMaxBurst(),
                builder::entryFetchMaxBurst);
        apply(check, "watchcache.backoff.free-failures", properties.getBackoff().getFreeFailures(),
                builder::backoffFreeFailures);
        apply(check, "watchcache.backoff.max-wait", properties.getBackoff().getMaxWait(), builder::backoffMaxWait);
        builder.backoffJitter(properties.getBackoff().isJitter());
        apply(check, "watchcache.default-last-get-ttl", properties.getDefaultLastGetTtl(),
                builder::defaultLastGetTtl);
        apply(check, "watchcache.default-query-timeout", properties.getDefaultQueryTimeout(),
                builder::defaultQueryTimeout);
        if (properties.getMaxEntries() != null) {
            apply(check, "watchcache.max-entries", properties.getMaxEntries(), builder::maxEntries);
        }
        if (!treeChecked) {
            checkRest(properties, check, cacheTypeBeans);
        }
        check.throwIfInvalid();
        return builder;
    }

    /**
     * Everything but the cache's own options: per-type overrides, health and readiness. Also
     * run for an application's own {@code WatchCache} bean.
     */
    static void checkRest(WatchCacheProperties properties, ConfigurationCheck check,
            Collection<String> cacheTypeBeans) {
        check.unknownKeys(KnownProperties.under("watchcache", CacheOptionsFactory.class.getClassLoader()));
        check.typeKeys(properties.getTypes().keySet(), cacheTypeBeans);
        for (Map.Entry<String, WatchCacheProperties.TypeOverrides> type : properties.getTypes().entrySet()) {
            typeOptions(type.getKey(), RegisterOptions.builder().build(), type.getValue(), check);
        }
        WatchCacheProperties.Health health = properties.getHealth();
        positiveOrZero(check, "watchcache.health.lost-contact-threshold", health.getLostContactThreshold());
        check.status("watchcache.health.lost-contact-status", health.getLostContactStatus());
        WatchCacheProperties.Readiness readiness = properties.getReadiness();
        apply(check, "watchcache.readiness.timeout", readiness.getTimeout(),
                timeout -> Durations.positive("timeout", timeout));
    }

    /**
     * The type's own options with the {@code watchcache.types.<name>.*} overrides laid on top;
     * a value the core refuses goes to {@code check}.
     */
    static RegisterOptions typeOptions(String name, RegisterOptions own,
                                       WatchCacheProperties.@Nullable TypeOverrides overrides,
                                       ConfigurationCheck check) {
        RegisterOptions.Builder builder = own.toBuilder();
        if (overrides == null) {
            return builder.build();
        }
        String prefix = "watchcache.types." + name + ".";
        if (overrides.getRefresh() != null) {
            builder.refresh(overrides.getRefresh());
        }
        if (overrides.getRefreshTimer() != null) {
            apply(check, prefix + "refresh-timer", overrides.getRefreshTimer(), builder::refreshTimer);
        }
        if (overrides.getQueryTimeout() != null) {
            apply(check, prefix + "query-timeout", overrides.getQueryTimeout(), builder::queryTimeout);
        }
        if (overrides.getLastGetTtl() != null) {
            apply(check, prefix + "last-get-ttl", overrides.getLastGetTtl(), builder::lastGetTtl);
        }
        if (overrides.getConsistentReads() != null) {
            builder.consistentReads(overrides.getConsistentReads());
        }
        return builder.build();
    }

    private static void positiveOrZero(ConfigurationCheck check, String property, @Nullable Duration value) {
        apply(check, property, value, threshold -> Durations.nonNegative("threshold", threshold));
    }

    private static <T> void apply(ConfigurationCheck check, String property, @Nullable T value, Consumer<T> setter) {
        if (value == null) {
            check.invalid(property, null, "must be set");
            return;
        }
        try {
            setter.accept(value);
        } catch (InvalidOptionException e) {
            check.invalid(property, value, e.reason());
        }
    }
}
