package io.watchcache.spring.boot;

import io.watchcache.CacheOptions;
import io.watchcache.RegisterOptions;

import java.util.function.Consumer;

/**
 * Maps {@link WatchCacheProperties} onto the core's builders. The core checks every value; a
 * value it refuses is reported with the property's own name, so the startup error says what
 * to change in {@code application.yml}.
 */
final class CacheOptionsFactory {

    private CacheOptionsFactory() {
    }

    static CacheOptions.Builder cacheOptions(WatchCacheProperties properties, boolean virtualThreads) {
        CacheOptions.Builder builder = CacheOptions.builder().virtualThreads(virtualThreads);
        if (properties.getEntryFetchRate() != null) {
            apply("watchcache.entry-fetch-rate", properties.getEntryFetchRate(),
                    rate -> builder.entryFetchRate(rate));
        }
        apply("watchcache.entry-fetch-max-burst", properties.getEntryFetchMaxBurst(), builder::entryFetchMaxBurst);
        apply("watchcache.backoff.free-failures", properties.getBackoff().getFreeFailures(),
                builder::backoffFreeFailures);
        apply("watchcache.backoff.max-wait", properties.getBackoff().getMaxWait(), builder::backoffMaxWait);
        builder.backoffJitter(properties.getBackoff().isJitter());
        apply("watchcache.default-last-get-ttl", properties.getDefaultLastGetTtl(), builder::defaultLastGetTtl);
        apply("watchcache.default-query-timeout", properties.getDefaultQueryTimeout(), builder::defaultQueryTimeout);
        if (properties.getMaxEntries() != null) {
            apply("watchcache.max-entries", properties.getMaxEntries(), builder::maxEntries);
        }
        apply("watchcache.health.lost-contact-threshold", properties.getHealth().getLostContactThreshold(),
                threshold -> {
                    if (threshold.isNegative()) {
                        throw new IllegalArgumentException("must not be negative");
                    }
                });
        return builder;
    }

    /** The type's own options with the {@code watchcache.types.<name>.*} overrides laid on top. */
    static RegisterOptions typeOptions(String name, RegisterOptions own, WatchCacheProperties.TypeOverrides overrides) {
        RegisterOptions.Builder builder = own.toBuilder();
        if (overrides == null) {
            return builder.build();
        }
        String prefix = "watchcache.types." + name + ".";
        if (overrides.getRefresh() != null) {
            builder.refresh(overrides.getRefresh());
        }
        if (overrides.getRefreshTimer() != null) {
            apply(prefix + "refresh-timer", overrides.getRefreshTimer(),
                    d -> builder.refreshTimer(RegisterOptions.builder().refreshTimer(d).build().refreshTimer()));
        }
        if (overrides.getQueryTimeout() != null) {
            apply(prefix + "query-timeout", overrides.getQueryTimeout(),
                    d -> builder.queryTimeout(RegisterOptions.builder().queryTimeout(d).build().queryTimeout()));
        }
        if (overrides.getLastGetTtl() != null) {
            apply(prefix + "last-get-ttl", overrides.getLastGetTtl(),
                    d -> builder.lastGetTtl(RegisterOptions.builder().lastGetTtl(d).build().lastGetTtl()));
        }
        return builder.build();
    }

    private static <T> void apply(String property, T value, Consumer<T> setter) {
        if (value == null) {
            throw new InvalidWatchCacheConfigurationException(property, null, "a value is required", null);
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidWatchCacheConfigurationException(property, value, reason(e.getMessage()), e);
        }
    }

    /** The core says "entryFetchMaxBurst must be at least 1: 0"; the property name already says the first part. */
    private static String reason(String message) {
        if (message == null) {
            return "not allowed";
        }
        int must = message.indexOf("must ");
        String reason = must >= 0 ? message.substring(must) : message;
        int colon = reason.lastIndexOf(':');
        return colon > 0 ? reason.substring(0, colon) : reason;
    }
}
