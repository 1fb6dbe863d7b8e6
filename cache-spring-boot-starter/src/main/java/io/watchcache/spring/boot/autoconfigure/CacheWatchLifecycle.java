package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.InvalidOptionException;
import io.watchcache.Subscription;
import io.watchcache.WatchCache;
import io.watchcache.spring.boot.CacheEventPublisher;
import io.watchcache.spring.boot.CacheWatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the {@link CacheWatch} beans and gets the cache out of the way of shutdown.
 *
 * <ul>
 *   <li>Watches start when the context has started, in the last phase, so after everything
 *       else is up.</li>
 *   <li>When the context starts closing ({@link ContextClosedEvent}, before any lifecycle
 *       stops), the cache is {@linkplain WatchCache#drain() drained}: every caller parked in
 *       {@code get}/{@code getAsync} is answered with its entry's current value, as a timeout
 *       would. So a long poll answers before the web server's graceful shutdown starts waiting
 *       for requests, instead of holding it up to its timeout.</li>
 *   <li>Watches stop in the first phase of shutdown; the cache itself is closed when its bean
 *       is destroyed, after the server has stopped.</li>
 * </ul>
 */
class CacheWatchLifecycle implements SmartLifecycle, ApplicationListener<ContextClosedEvent>,
        ApplicationContextAware {

    private static final Logger log = LoggerFactory.getLogger(CacheWatchLifecycle.class);

    private final WatchCache cache;
    private final CacheEventPublisher publisher;
    private final ObjectProvider<CacheWatch> watches;
    private @Nullable ApplicationContext context;
    // Guarded by this: start and stop come from the context's lifecycle thread, running() from anywhere.
    private final List<Subscription> subscriptions = new ArrayList<>();
    private boolean running;

    CacheWatchLifecycle(WatchCache cache, CacheEventPublisher publisher, ObjectProvider<CacheWatch> watches) {
        this.cache = cache;
        this.publisher = publisher;
        this.watches = watches;
    }

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        try {
            watches.orderedStream().forEach(watch -> subscriptions.add(start(watch)));
        } catch (RuntimeException e) {
            subscriptions.forEach(Subscription::cancel);
            subscriptions.clear();
            throw e;
        }
        running = true;
    }

    private Subscription start(CacheWatch watch) {
        try {
            return publisher.publish(watch);
        } catch (InvalidOptionException e) {
            throw new CacheWatchStartException(beanName(watch), watch, e);
        }
    }

    /** The watch's bean name, for the startup error (the provider hands out beans without their names). */
    private String beanName(CacheWatch watch) {
        if (context != null) {
            for (String name : context.getBeanNamesForType(CacheWatch.class)) {
                if (context.getBean(name) == watch) {
                    return name;
                }
            }
        }
        return watch.toString();
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        // A child context's close reaches its parent's listeners too: only our own counts.
        if (event.getApplicationContext() != context || cache.isClosed()) {
            return;
        }
        int answered = cache.drain();
        if (answered > 0) {
            log.info("Shutting down: answered {} waiting cache read(s) with their current values", answered);
        }
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
    synchronized int activeWatches() {
        return (int) subscriptions.stream().filter(Subscription::isActive).count();
    }
}
