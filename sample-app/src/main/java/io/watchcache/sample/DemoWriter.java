package io.watchcache.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Changes some data every few seconds so events visibly flow: the greeting and the counter on
 * every tick, the feature flag on every third. {@code sample.writer.enabled=false} turns it off.
 */
@Component
public class DemoWriter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DemoWriter.class);

    private final SampleBackend backend;
    private final boolean enabled;
    private final Duration interval;
    private ScheduledExecutorService ticker;
    private long ticks;

    public DemoWriter(SampleBackend backend, @Value("${sample.writer.enabled:true}") boolean enabled,
                      @Value("${sample.writer.interval:3s}") Duration interval) {
        this.backend = backend;
        this.enabled = enabled;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (!enabled || ticker != null) {
            return;
        }
        log.info("writing demo data to the {} every {}", backend.name(), interval);
        ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "demo-writer");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long n = ticks++;
            backend.put("greeting", "hello at " + LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                    + " UTC");
            backend.put("counter", Long.toString(n));
            if (n % 3 == 0) {
                backend.put("feature-flags/new-ui", (n / 3) % 2 == 0 ? "on" : "off");
            }
        } catch (Exception e) {
            log.warn("demo write to the {} failed: {}", backend.name(), e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return ticker != null;
    }
}
