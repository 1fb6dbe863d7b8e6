package io.watchcache.spring.boot;

import io.watchcache.Subscription;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts every {@link CacheWatch} bean when the context has started and cancels them when it
 * stops. It runs in the last phase, so watches start after everything else is up and stop
 * before anything else goes down.
 */
public class CacheWatchLifecycle implements SmartLifecycle {

    private final CacheEventPublisher publisher;
    private final ObjectProvider<CacheWatch> watches;
    // Guarded by this: start and stop come from the context's lifecycle thread, running() from anywhere.
    private final List<Subscription> subscriptions = new ArrayList<>();
    private boolean running;

    public CacheWatchLifecycle(CacheEventPublisher publisher, ObjectProvider<CacheWatch> watches) {
        this.publisher = publisher;
        this.watches = watches;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        watches.orderedStream().forEach(watch -> subscriptions.add(publisher.publish(watch)));
        running = true;
    }

    @Override
    public synchronized void stop() {
        subscriptions.forEach(Subscription::cancel);
        subscriptions.clear();
        running = false;
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /** How many watch beans are running. */
    public synchronized int activeWatches() {
        return (int) subscriptions.stream().filter(Subscription::isActive).count();
    }
}
