package io.watchcache.spring.boot.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

/**
 * Contributes the cache's meters ({@code watchcache.*}, tagged by type) to the application's
 * registries. The cache is built before Spring Boot binds meter binders, so it registers its
 * meters in a composite of its own; each registry Boot binds this to joins that composite and
 * receives every meter, those of types registered before and after.
 */
public class WatchCacheMeterBinder implements MeterBinder {

    private final CompositeMeterRegistry meters = new CompositeMeterRegistry();

    /** Where the cache registers its meters: give it to {@code CacheOptions.Builder.meterRegistry}. */
    public MeterRegistry registry() {
        return meters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (registry != meters && !meters.getRegistries().contains(registry)) {
            meters.add(registry);
        }
    }
}
