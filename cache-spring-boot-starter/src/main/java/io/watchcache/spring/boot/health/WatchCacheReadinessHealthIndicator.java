package io.watchcache.spring.boot.health;

import io.watchcache.spring.boot.availability.WatchCacheReadiness;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.List;

/**
 * The {@code watchcacheReadiness} contributor: OUT_OF_SERVICE while the application holds its
 * readiness for first values ({@code watchcache.readiness.await-first-value}), with the watches
 * and live values still missing one; UP after. It belongs in the readiness group
 * ({@code management.endpoint.health.group.readiness.include=readinessState,watchcacheReadiness}),
 * never in liveness: a source being slow is no reason to restart the application.
 */
public class WatchCacheReadinessHealthIndicator implements HealthIndicator {

    private final WatchCacheReadiness readiness;

    public WatchCacheReadinessHealthIndicator(WatchCacheReadiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public Health health() {
        List<String> missing = readiness.missing();
        Health.Builder health = readiness.isHolding() && !missing.isEmpty() ? Health.outOfService() : Health.up();
        return health.withDetail("awaitingFirstValue", missing).build();
    }
}
