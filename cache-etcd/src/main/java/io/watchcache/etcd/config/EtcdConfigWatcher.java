package io.watchcache.etcd.config;

import io.watchcache.CacheRequest;
import io.watchcache.CacheSnapshot;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import io.watchcache.WatchCache;
import io.watchcache.etcd.EtcdPrefixType;
import io.watchcache.etcd.EtcdRequest;
import io.watchcache.etcd.PrefixSnapshot;
import io.watchcache.etcd.autoconfigure.EtcdClients;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.PropertySource;
import org.springframework.util.ClassUtils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Keeps the {@code watchcache-etcd:} property sources current: each imported prefix is watched
 * through the cache (the application's {@code WatchCache} when there is one, so it shows in the
 * actuator and the metrics as type {@value #TYPE}; else a cache of its own), and every change
 * replaces the source's content at once and publishes one {@link EtcdConfigChangedEvent}. With
 * spring-cloud-context on the classpath it also publishes Spring Cloud's
 * {@code EnvironmentChangeEvent}, which re-binds {@code @ConfigurationProperties} beans, and
 * refreshes the {@code @RefreshScope} beans ({@code watchcache.etcd.config.refresh-scope}).
 *
 * <p>A change with a key that does not parse is not applied: the last good properties stay, a
 * WARN names the key, the event carries the error, the {@code watchcache.etcd.config.invalid.keys}
 * gauge counts it and the {@code etcdConfig} health lists it (UP unless
 * {@code watchcache.etcd.config.invalid-keys-status} says otherwise) until a good change comes.
 */
public class EtcdConfigWatcher implements SmartLifecycle, DisposableBean {

    static final String TYPE = "watchcache-etcd-config";

    private static final Logger log = LoggerFactory.getLogger(EtcdConfigWatcher.class);
    private static final boolean CLOUD_CONTEXT = ClassUtils.isPresent(
            "org.springframework.cloud.context.environment.EnvironmentChangeEvent",
            EtcdConfigWatcher.class.getClassLoader());

    private final EtcdConfigSources sources;
    private final ObjectProvider<WatchCache> applicationCache;
    private final ApplicationContext context;
    private final ChangeSanitizer sanitizer;
    // Guarded by this.
    private final List<Subscription> subscriptions = new ArrayList<>();
    private @Nullable WatchCache ownCache;
    /** The cache the prefixes are watched through; null before the first start. */
    private volatile @Nullable WatchCache cache;
    private boolean running;

    public EtcdConfigWatcher(EtcdConfigSources sources, ObjectProvider<WatchCache> applicationCache,
                             ApplicationContext context, List<SanitizingFunction> sanitizingFunctions) {
        this.sources = sources;
        this.applicationCache = applicationCache;
        this.context = context;
        this.sanitizer = new ChangeSanitizer(sanitizingFunctions);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        TypedCache<CacheRequest, PrefixSnapshot> type = type();
        for (EtcdConfigSources.Imported imported : sources.imports()) {
            String prefix = imported.resource.prefix();
            subscriptions.add(type.watch(EtcdRequest.of(prefix), "etcd-config:" + prefix,
                    update -> onUpdate(imported, update)));
        }
        running = true;
    }

    private TypedCache<CacheRequest, PrefixSnapshot> type() {
        WatchCache cache = applicationCache.getIfAvailable();
        if (cache == null) {
            if (ownCache == null) {
                ownCache = WatchCache.create();
            }
            cache = ownCache;
        }
        this.cache = cache;
        if (cache.typeNames().contains(TYPE)) {
            return cache.type(TYPE);
        }
        return cache.register(TYPE, new EtcdPrefixType(sources.connection(),
                EtcdClients.typeOptions(sources.properties())));
    }

    /**
     * The cache entries that watch the imported prefixes, by prefix, from one snapshot of the
     * cache; empty before the first start and once the cache is closed. Health reads contact from
     * the entries, not from the watch's events: contact comes back when etcd answers, and a quiet
     * prefix sends no event then.
     */
    Map<String, CacheSnapshot.EntryView> entries() {
        WatchCache watched = cache;
        if (watched == null || watched.isClosed()) {
            return Map.of();
        }
        Map<String, CacheSnapshot.EntryView> byPrefix = new HashMap<>();
        for (CacheSnapshot.EntryView entry : watched.snapshot().entries()) {
            if (entry.type().equals(TYPE)) {
                byPrefix.put(entry.key(), entry);
            }
        }
        return byPrefix;
    }

    private void onUpdate(EtcdConfigSources.Imported imported, UpdateEvent<PrefixSnapshot> update) {
        if (update.error() != null || update.value() == null) {
            // The cache logs lost and regained contact, and health reads it from the entry; the
            // last properties stay meanwhile.
            return;
        }
        imported.answered = true;
        String prefix = imported.resource.prefix();
        PrefixSnapshot snapshot = update.value();
        EtcdConfigParser.Parsed parsed = EtcdConfigParser.parse(prefix, snapshot.entries());
        if (!parsed.ok()) {
            if (!parsed.errors().equals(imported.errors)) {
                log.warn("Configuration from etcd: a change of '{}' at revision {} is not applied, keys do not parse:"
                        + " {}; the last good properties (revision {}) stay", prefix, snapshot.revision(),
                        parsed.errors(), imported.source.revision());
            }
            imported.errors = parsed.errors();
            context.publishEvent(new EtcdConfigChangedEvent(context, prefix, snapshot.revision(), new TreeMap<>(),
                    parsed.errors()));
            return;
        }
        Map<String, Object> before = imported.source.properties();
        SortedMap<String, EtcdConfigChangedEvent.Change> changes = changes(imported.source, before,
                parsed.properties());
        imported.errors = parsed.errors();
        imported.source.replace(parsed.properties(), snapshot.revision());
        if (changes.isEmpty()) {
            return;
        }
        log.info("Configuration from etcd: '{}' at revision {} changed {}", prefix, snapshot.revision(),
                changes.keySet());
        context.publishEvent(new EtcdConfigChangedEvent(context, prefix, snapshot.revision(), changes,
                new TreeMap<>()));
        if (CLOUD_CONTEXT) {
            CloudContextBridge.environmentChanged(context, new HashSet<>(changes.keySet()),
                    sources.properties().getConfig().isRefreshScope());
        }
    }

    /** What changed, each value as the event may show it ({@link ChangeSanitizer}). */
    SortedMap<String, EtcdConfigChangedEvent.Change> changes(PropertySource<?> source, Map<String, Object> before,
                                                             Map<String, Object> after) {
        SortedMap<String, EtcdConfigChangedEvent.Change> changes = new TreeMap<>();
        Set<String> names = new HashSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String name : names) {
            Object old = before.get(name);
            Object now = after.get(name);
            if (!Objects.equals(old, now)) {
                changes.put(name, new EtcdConfigChangedEvent.Change(sanitizer.shown(source, name, old),
                        sanitizer.shown(source, name, now)));
            }
        }
        return changes;
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

    /** Early, so that property changes flow as soon as the context starts. */
    @Override
    public int getPhase() {
        return 0;
    }

    /**
     * Stops the watches and removes their entries before the client closes: an entry left
     * behind would see its stream end with the client and report lost contact on every clean
     * shutdown. The application's cache may well outlive this bean.
     */
    @Override
    public synchronized void destroy() {
        stop();
        if (ownCache != null) {
            ownCache.close();
        } else if (cache != null && !cache.isClosed()) {
            for (CacheSnapshot.EntryView entry : cache.snapshot().entries()) {
                if (entry.type().equals(TYPE)) {
                    cache.evict(entry.id());
                }
            }
        }
        sources.close();
    }
}
