package io.watchcache.etcd.config;

import io.watchcache.CacheSnapshot;
import io.watchcache.spring.boot.health.WatchCacheHealthRule;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code etcdConfig} health component: per imported prefix, the revision the properties are
 * at and how many there are.
 *
 * <p>Contact is judged by the {@code watchcache} health's own rule ({@link WatchCacheHealthRule}):
 * the import's entry counts once it has lost contact for {@code watchcache.health.lost-contact-threshold}
 * (or a refusal stopped it), and the status is then {@code watchcache.health.lost-contact-status}.
 * An etcd blip or a member restart is therefore not an outage of the application.
 *
 * <p>Keys that do not parse are a configuration problem, not an outage: the last good properties
 * serve, the keys are listed, and the status is {@code watchcache.etcd.config.invalid-keys-status}
 * (UP unless set), so a bad push to a shared prefix does not take a whole fleet out of its load
 * balancers. Prefixes, keys and errors are masked by the same rule as the {@code watchcache}
 * component's details (the keys that do not parse are listed only where values may show).
 */
public class EtcdConfigHealthIndicator implements HealthIndicator {

    private final EtcdConfigSources sources;
    private final EtcdConfigWatcher watcher;
    private final WatchCacheHealthRule rule;
    private final Status invalidKeysStatus;

    public EtcdConfigHealthIndicator(EtcdConfigSources sources, EtcdConfigWatcher watcher, WatchCacheHealthRule rule,
                                     String invalidKeysStatus) {
        this.sources = sources;
        this.watcher = watcher;
        this.rule = rule;
        this.invalidKeysStatus = new Status(invalidKeysStatus);
    }

    @Override
    public Health health() {
        boolean contactFault = false;
        int invalidKeys = 0;
        Map<String, CacheSnapshot.EntryView> entries = watcher.entries();
        List<Map<String, Object>> imports = new ArrayList<>();
        for (EtcdConfigSources.Imported imported : sources.imports()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("prefix", rule.shown(imported.resource.prefix()));
            detail.put("revision", imported.source.revision());
            detail.put("properties", imported.source.properties().size());
            Map<String, String> errors = imported.errors;
            if (!errors.isEmpty()) {
                invalidKeys += errors.size();
                detail.put("invalidKeys", errors.size());
                if (rule.showsValues()) {
                    detail.put("notParsed", errors);
                }
            }
            CacheSnapshot.EntryView entry = entries.get(imported.resource.prefix());
            if (entry != null && rule.atFault(entry)) {
                contactFault = true;
                detail.put("entry", rule.describe(entry));
            }
            imports.add(detail);
        }
        Status status = contactFault ? rule.faultStatus() : invalidKeys > 0 ? invalidKeysStatus : Status.UP;
        Health.Builder health = Health.status(status).withDetail("imports", imports)
                .withDetail("endpoints", sources.endpoints());
        if (contactFault) {
            health.withDetail("lostContactThreshold", rule.threshold().toString());
        }
        if (invalidKeys > 0) {
            health.withDetail("invalidKeys", invalidKeys);
        }
        return health.build();
    }
}
