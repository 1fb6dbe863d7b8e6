package io.watchcache.etcd.config;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code etcdConfig} health component: per imported prefix, the revision the properties are
 * at and how many there are; DOWN while a change is held back because keys do not parse, or
 * while etcd cannot be reached (the last properties stay in both cases).
 */
public class EtcdConfigHealthIndicator implements HealthIndicator {

    private final EtcdConfigSources sources;
    private final EtcdConfigWatcher watcher;

    public EtcdConfigHealthIndicator(EtcdConfigSources sources, EtcdConfigWatcher watcher) {
        this.sources = sources;
        this.watcher = watcher;
    }

    @Override
    public Health health() {
        boolean down = false;
        Map<String, Object> prefixes = new LinkedHashMap<>();
        for (EtcdConfigSources.Imported imported : sources.imports()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("revision", imported.source.revision());
            detail.put("properties", imported.source.properties().size());
            if (!imported.errors.isEmpty()) {
                detail.put("notParsed", imported.errors);
                down = true;
            }
            String contact = watcher.contactProblem(imported.resource.prefix());
            if (contact != null) {
                detail.put("lostContact", contact);
                down = true;
            }
            prefixes.put(imported.resource.prefix(), detail);
        }
        return (down ? Health.down() : Health.up()).withDetail("prefixes", prefixes)
                .withDetail("endpoints", sources.endpoints()).build();
    }
}
