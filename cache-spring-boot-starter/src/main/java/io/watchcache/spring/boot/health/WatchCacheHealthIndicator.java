package io.watchcache.spring.boot.health;

import io.watchcache.CacheSnapshot;
import io.watchcache.WatchCache;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * UP while every refreshing entry's background query is healthy (or failing for less than the
 * threshold); otherwise the configured status (DOWN by default) with the entries that lost
 * contact. The cache keeps serving their last values meanwhile.
 */
public class WatchCacheHealthIndicator implements HealthIndicator {

    private static final int LISTED = 20;

    private final WatchCache cache;
    private final Duration threshold;
    private final Status lostContactStatus;

    public WatchCacheHealthIndicator(WatchCache cache, Duration threshold, String lostContactStatus) {
        this.cache = cache;
        this.threshold = threshold;
        this.lostContactStatus = new Status(lostContactStatus);
    }

    @Override
    public Health health() {
        if (cache.isClosed()) {
            return Health.outOfService().withDetail("reason", "cache closed").build();
        }
        CacheSnapshot snapshot = cache.snapshot();
        List<CacheSnapshot.EntryView> lost = snapshot.entries().stream()
                .filter(e -> e.lostContact() != null && e.lostContact().compareTo(threshold) >= 0).toList();
        Health.Builder health = lost.isEmpty() ? Health.up() : Health.status(lostContactStatus);
        health.withDetail("entries", snapshot.entries().size()).withDetail("watches", snapshot.watches().size())
                .withDetail("lostContact", lost.size());
        if (!lost.isEmpty()) {
            health.withDetail("lostContactThreshold", threshold.toString());
            health.withDetail("lostContactEntries", lost.stream().limit(LISTED).map(e -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", e.id());
                entry.put("type", e.type());
                entry.put("key", e.key());
                entry.put("partition", e.partition());
                entry.put("lostContact", e.lostContact().toString());
                entry.put("lastError", e.lastError());
                return entry;
            }).toList());
        }
        return health.build();
    }
}
