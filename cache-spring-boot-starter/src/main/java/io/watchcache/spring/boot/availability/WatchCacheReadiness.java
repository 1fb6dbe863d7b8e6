package io.watchcache.spring.boot.availability;

import io.watchcache.CacheSnapshot;
import io.watchcache.LiveValue;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.AwaitedFirstValues;
import io.watchcache.spring.boot.CacheWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which declared watches ({@link CacheWatch} beans), live values ({@code LiveValue} beans) and
 * other {@link AwaitedFirstValues} (configuration imports) have no first value yet, and, with
 * {@code watchcache.readiness.await-first-value=true}, the wait for them.
 *
 * <p>The wait is an {@link ApplicationRunner}: Spring Boot publishes
 * {@code ReadinessState.ACCEPTING_TRAFFIC} only after every runner has returned, so until the
 * first values are in (or {@code watchcache.readiness.timeout} passes) the application is up,
 * serves its probes, and reports {@code REFUSING_TRAFFIC}. It runs last among the runners.
 */
public class WatchCacheReadiness implements ApplicationRunner, Ordered {

    private static final Logger log = LoggerFactory.getLogger(WatchCacheReadiness.class);
    private static final long POLL_MILLIS = 25;

    private final WatchCache cache;
    private final ListableBeanFactory beans;
    private final boolean await;
    private final Duration timeout;
    private volatile boolean holding;

    public WatchCacheReadiness(WatchCache cache, ListableBeanFactory beans, boolean await, Duration timeout) {
        this.cache = cache;
        this.beans = beans;
        this.await = await;
        this.timeout = timeout;
        this.holding = await;
    }

    /**
     * The declared watches and live values without a first value, by bean name: e.g.
     * {@code "watch greetingWatch (values: greeting)"}, {@code "live value flags"}. Keys are not
     * shown: a key may name something secret.
     */
    public List<String> missing() {
        List<String> missing = new ArrayList<>();
        Map<String, CacheWatch> watches = beans.getBeansOfType(CacheWatch.class, false, false);
        if (!watches.isEmpty()) {
            List<CacheSnapshot.WatchView> running = cache.isClosed() ? List.of() : cache.snapshot().watches();
            watches.forEach((name, watch) -> {
                boolean delivered = running.stream().anyMatch(view -> view.type().equals(watch.type())
                        && view.correlationId().equals(watch.correlationId())
                        && view.key().equals(watch.request().cacheInfo().key()) && view.lastIndex() > 0);
                if (!delivered) {
                    missing.add("watch " + name + " (" + watch.type() + ": " + watch.correlationId() + ")");
                }
            });
        }
        @SuppressWarnings("rawtypes")
        Map<String, LiveValue> live = beans.getBeansOfType(LiveValue.class, false, false);
        live.forEach((name, value) -> {
            if (value.index() == 0) {
                missing.add("live value " + name);
            }
        });
        beans.getBeansOfType(AwaitedFirstValues.class, false, false).values()
                .forEach(awaited -> missing.addAll(awaited.missing()));
        return missing;
    }

    /** Whether readiness is being held for first values right now. */
    public boolean isHolding() {
        return holding;
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (!await) {
            return;
        }
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> missing = missing();
            if (!missing.isEmpty()) {
                log.info("Holding readiness until the cache has first values for {} (at most {})", missing, timeout);
            }
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
                missing = missing();
            }
            if (!missing.isEmpty()) {
                log.warn("watchcache.readiness.timeout ({}) passed without first values for {}: the application"
                        + " is ready without them", timeout, missing);
            }
        } finally {
            holding = false;
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
