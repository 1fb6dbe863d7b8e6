package io.watchcache.etcd.config;

import io.watchcache.Durations;
import io.watchcache.InvalidOptionException;
import io.watchcache.etcd.autoconfigure.EtcdBootstrap;
import io.watchcache.etcd.autoconfigure.EtcdClients;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.autoconfigure.EtcdProperties;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationResolver;
import org.springframework.boot.context.config.ConfigDataLocationResolverContext;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.origin.Origin;

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
        BootstrapRegistry registry = context.getBootstrapContext();
        // Details in the bootstrap registry (EtcdBootstrap) say where etcd is, for the imports
        // and, once promoted to a bean, for the types.
        EtcdConnectionDetails details = EtcdBootstrap.details(context.getBootstrapContext());
        if (details != null) {
            EtcdBootstrap.promoteOnClose(registry);
            if (details.getEndpoints().isEmpty()) {
                throw new InvalidEtcdConfigImportException(location.toString(), "the EtcdConnectionDetails in the"
                        + " bootstrap registry (" + details.getClass().getName() + ") names no endpoint");
            }
        } else if (properties.getEndpoints().isEmpty()) {
            throw new InvalidEtcdConfigImportException(location.toString(), endpointsMissing(location));
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
        registry.registerIfAbsent(EtcdConfigSources.class,
                BootstrapRegistry.InstanceSupplier.of(new EtcdConfigSources(properties, details)));
        EtcdConfigSources.promoteOnClose(registry);
        return List.of(new EtcdConfigDataResource(prefix, location.isOptional(), timeout));
    }

    /**
     * Why the endpoints are not known. An import given on the command line, as a system property
     * or in the environment (Boot's initial imports, which carry no file origin) is read before
     * application.yml and the other configuration files, so endpoints set there are not seen yet.
     */
    private static String endpointsMissing(ConfigDataLocation location) {
        return endpointsMissingWhere(location) + ". An EtcdConnectionDetails bean cannot reach an import (imports"
                + " are read before beans exist): register the details in the bootstrap registry instead"
                + " (EtcdBootstrap.connectionDetails(...)), and the cache types use them too";
    }

    private static String endpointsMissingWhere(ConfigDataLocation location) {
        Origin origin = location.getOrigin();
        if (origin == null) {
            return "watchcache.etcd.endpoints is not set where the import was declared: an import given on the"
                    + " command line, as a system property or in the environment is read before application.yml"
                    + " and the other configuration files, so endpoints set in those are not known yet. Give"
                    + " watchcache.etcd.endpoints the same way (e.g. --watchcache.etcd.endpoints="
                    + "http://localhost:2379), or declare the import in application.yml";
        }
        return "watchcache.etcd.endpoints is not set; set it in a configuration file read before the import"
                + " (e.g. application.yml), which " + origin + " is not";
    }
}
