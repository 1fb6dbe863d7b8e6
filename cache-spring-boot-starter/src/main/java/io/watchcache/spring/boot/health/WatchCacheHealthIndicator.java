package io.watchcache.spring.boot.health;

import io.watchcache.CacheSnapshot;
import io.watchcache.WatchCache;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.util.List;

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
 * <p>Which entries are at fault, the status then, and the masking of keys, partitions and
 * errors are the {@link WatchCacheHealthRule}'s, which the configuration imports' health shares.
 */
public class WatchCacheHealthIndicator implements HealthIndicator {

    private static final int LISTED = 20;

    private final WatchCache cache;
    private final WatchCacheHealthRule rule;
    private final boolean countAll;

    public WatchCacheHealthIndicator(WatchCache cache, WatchCacheHealthRule rule, boolean countAll) {
        this.cache = cache;
        this.rule = rule;
        this.countAll = countAll;
    }

    public WatchCacheHealthIndicator(WatchCache cache, Duration threshold, String lostContactStatus, boolean countAll,
                                     boolean showValues) {
        this(cache, new WatchCacheHealthRule(threshold, lostContactStatus, showValues), countAll);
    }

    @Override
    public Health health() {
        if (cache.isClosed()) {
            return Health.outOfService().withDetail("reason", "cache closed").build();
        }
        CacheSnapshot snapshot = cache.snapshot();
        List<CacheSnapshot.EntryView> counted = snapshot.entries().stream().filter(e -> countAll || e.held()).toList();
        List<CacheSnapshot.EntryView> lost = counted.stream().filter(rule::lostContact).toList();
        List<CacheSnapshot.EntryView> failed = counted.stream().filter(CacheSnapshot.EntryView::failed).toList();
        Health.Builder health = lost.isEmpty() && failed.isEmpty() ? Health.up() : Health.status(rule.faultStatus());
        health.withDetail("entries", snapshot.entries().size()).withDetail("watches", snapshot.watches().size())
                .withDetail("counted", countAll ? "all entries" : "entries held by watches and live values")
                .withDetail("lostContact", lost.size()).withDetail("failed", failed.size());
        if (!lost.isEmpty()) {
            health.withDetail("lostContactThreshold", rule.threshold().toString());
            health.withDetail("lostContactEntries", lost.stream().limit(LISTED).map(rule::describe).toList());
        }
        if (!failed.isEmpty()) {
            health.withDetail("failedEntries", failed.stream().limit(LISTED).map(rule::describe).toList());
        }
        return health.build();
    }
}
