package io.watchcache.etcd.config;

import io.watchcache.Durations;
import io.watchcache.InvalidOptionException;
import io.watchcache.etcd.autoconfigure.EtcdClients;
import io.watchcache.etcd.autoconfigure.EtcdProperties;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationResolver;
import org.springframework.boot.context.config.ConfigDataLocationResolverContext;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves {@code spring.config.import=watchcache-etcd:<prefix>[?request-timeout=<duration>]}.
 * The prefix must be non-empty and end with {@code /} (so {@code config/app/} never matches
 * {@code config/application/}); the connection settings are {@code watchcache.etcd.*} from the
 * configuration read before the import. Mistakes stop startup with an
 * {@link InvalidEtcdConfigImportException}.
 */
public class EtcdConfigDataLocationResolver implements ConfigDataLocationResolver<EtcdConfigDataResource> {

    static final String PREFIX = "watchcache-etcd:";
    static final List<String> OPTIONS = List.of("request-timeout");

    @Override
    public boolean isResolvable(ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        return location.hasPrefix(PREFIX);
    }

    @Override
    public List<EtcdConfigDataResource> resolve(ConfigDataLocationResolverContext context,
                                                ConfigDataLocation location) {
        String spec = location.getNonPrefixedValue(PREFIX);
        String prefix = spec;
        Map<String, String> options = new LinkedHashMap<>();
        int query = spec.indexOf('?');
        if (query >= 0) {
            prefix = spec.substring(0, query);
            for (String option : spec.substring(query + 1).split("&")) {
                int equals = option.indexOf('=');
                String name = equals < 0 ? option : option.substring(0, equals);
                if (!OPTIONS.contains(name)) {
                    throw new InvalidEtcdConfigImportException(location.toString(), "unknown option '" + name
                            + "'; options: " + String.join(", ", OPTIONS));
                }
                options.put(name, equals < 0 ? "" : option.substring(equals + 1));
            }
        }
        if (prefix.isBlank()) {
            throw new InvalidEtcdConfigImportException(location.toString(),
                    "the prefix is empty; import a prefix such as 'watchcache-etcd:config/myapp/'");
        }
        if (!prefix.endsWith("/")) {
            throw new InvalidEtcdConfigImportException(location.toString(), "the prefix must end with '/' ("
                    + "'" + prefix + "/'), or it would also match the keys of every prefix that starts the same way");
        }
        Binder binder = context.getBinder();
        EtcdProperties properties = binder.bind("watchcache.etcd", EtcdProperties.class).orElseGet(EtcdProperties::new);
        if (properties.getEndpoints().isEmpty()) {
            throw new InvalidEtcdConfigImportException(location.toString(), "watchcache.etcd.endpoints is not set;"
                    + " set it in a configuration file read before the import (e.g. application.yml)");
        }
        if (properties.getSsl().getBundle() != null) {
            throw new InvalidEtcdConfigImportException(location.toString(), "watchcache.etcd.ssl.bundle is set, but"
                    + " SSL bundles are beans and do not exist yet when configuration is imported");
        }
        List<EtcdClients.Invalid> invalid = EtcdClients.check(properties, binder);
        if (!invalid.isEmpty()) {
            throw InvalidEtcdConfigImportException.properties(location.toString(), invalid);
        }
        Duration timeout = properties.getRequestTimeout();
        if (options.containsKey("request-timeout")) {
            try {
                timeout = DurationStyle.detectAndParse(options.get("request-timeout"));
            } catch (IllegalArgumentException e) {
                throw new InvalidEtcdConfigImportException(location.toString(), "request-timeout '"
                        + options.get("request-timeout") + "' is not a duration such as 5s");
            }
        }
        try {
            timeout = Durations.requiredPositive("request-timeout", timeout);
        } catch (InvalidOptionException e) {
            throw new InvalidEtcdConfigImportException(location.toString(), "request-timeout '"
                    + options.get("request-timeout") + "' " + e.reason());
        }
        BootstrapRegistry registry = context.getBootstrapContext();
        registry.registerIfAbsent(EtcdConfigSources.class,
                BootstrapRegistry.InstanceSupplier.of(new EtcdConfigSources(properties)));
        EtcdConfigSources.promoteOnClose(registry);
        return List.of(new EtcdConfigDataResource(prefix, location.isOptional(), timeout));
    }
}
