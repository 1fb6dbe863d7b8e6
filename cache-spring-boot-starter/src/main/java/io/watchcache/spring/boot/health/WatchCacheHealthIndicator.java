package io.watchcache.spring.boot.health;

import io.watchcache.CacheSnapshot;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code watchcache} health: UP while what the application depends on is served fresh;
 * otherwise the configured status (DOWN by default), listing the entries at fault.
 *
 * <p>It counts the entries held by a watch, a live value or a configuration import: an entry
 * whose background query has failed for at least the threshold (lost contact), or that a
 * fatal error stopped (failed: the source refused it, which no retry will mend). An entry that
 * exists only because one request asked for it, with a bad token say, is that request's
 * problem: the caller got the error, the endpoint and the metrics show it, and it does not
 * change the status (unless {@code watchcache.health.count-all-entries} says to count all).
 *
 * <p>Keys, partitions and errors are masked as the endpoint masks them; health cannot see who
 * asks, so they show only with {@code management.endpoint.watchcache.show-values=always}.
 */
public class WatchCacheHealthIndicator implements HealthIndicator {

    private static final int LISTED = 20;

    private final WatchCache cache;
    private final Duration threshold;
    private final Status lostContactStatus;
    private final boolean countAll;
    private final boolean showValues;

    public WatchCacheHealthIndicator(WatchCache cache, Duration threshold, String lostContactStatus, boolean countAll,
                                     boolean showValues) {
        this.cache = cache;
        this.threshold = threshold;
        this.lostContactStatus = new Status(lostContactStatus);
        this.countAll = countAll;
        this.showValues = showValues;
    }

    @Override
    public Health health() {
        if (cache.isClosed()) {
            return Health.outOfService().withDetail("reason", "cache closed").build();
        }
        CacheSnapshot snapshot = cache.snapshot();
        List<CacheSnapshot.EntryView> counted = snapshot.entries().stream().filter(e -> countAll || e.held()).toList();
        List<CacheSnapshot.EntryView> lost = counted.stream()
                .filter(e -> e.lostContact() != null && e.lostContact().compareTo(threshold) >= 0).toList();
        List<CacheSnapshot.EntryView> failed = counted.stream().filter(CacheSnapshot.EntryView::failed).toList();
        Health.Builder health = lost.isEmpty() && failed.isEmpty() ? Health.up() : Health.status(lostContactStatus);
        health.withDetail("entries", snapshot.entries().size()).withDetail("watches", snapshot.watches().size())
                .withDetail("counted", countAll ? "all entries" : "entries held by watches and live values")
                .withDetail("lostContact", lost.size()).withDetail("failed", failed.size());
        if (!lost.isEmpty()) {
            health.withDetail("lostContactThreshold", threshold.toString());
            health.withDetail("lostContactEntries", lost.stream().limit(LISTED).map(this::describe).toList());
        }
        if (!failed.isEmpty()) {
            health.withDetail("failedEntries", failed.stream().limit(LISTED).map(this::describe).toList());
        }
        return health.build();
    }

    private Map<String, Object> describe(CacheSnapshot.EntryView e) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", e.id());
        entry.put("type", e.type());
        entry.put("key", shown(e.key()));
        entry.put("partition", shown(e.partition()));
        if (e.lostContact() != null) {
            entry.put("lostContact", e.lostContact().toString());
        }
        entry.put("lastError", shown(e.lastError()));
        return entry;
    }

    private @Nullable String shown(@Nullable String value) {
        return WatchCacheEndpoint.shown(value, showValues);
    }
}
