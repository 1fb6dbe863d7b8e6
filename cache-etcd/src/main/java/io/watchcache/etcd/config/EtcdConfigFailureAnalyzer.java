package io.watchcache.etcd.config;

import io.watchcache.etcd.autoconfigure.EtcdClients;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import java.util.stream.Collectors;

/**
 * Explains a {@code watchcache-etcd:} import that cannot start, naming the fix: the property and
 * where it was written, the key in etcd and the line in it, or the import itself.
 */
public class EtcdConfigFailureAnalyzer extends AbstractFailureAnalyzer<RuntimeException> {

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, RuntimeException cause) {
        for (Throwable t = rootFailure; t != null; t = t.getCause()) {
            if (t instanceof InvalidEtcdConfigImportException invalid) {
                return analyze(invalid);
            }
            if (t instanceof EtcdConfigUnavailableException unavailable) {
                return new FailureAnalysis("The configuration prefix '" + unavailable.prefix()
                        + "' could not be read from etcd at " + String.join(", ", unavailable.endpoints()) + ": "
                        + unavailable.reason() + ".",
                        "Check that etcd is running and reachable at watchcache.etcd.endpoints, or import it as"
                        + " 'optional:watchcache-etcd:" + unavailable.prefix() + "' to start without it and fill"
                        + " the properties in when etcd answers.", unavailable);
            }
        }
        return null;
    }

    private static FailureAnalysis analyze(InvalidEtcdConfigImportException invalid) {
        if (!invalid.properties().isEmpty()) {
            return new FailureAnalysis("The configuration import '" + invalid.location() + "' cannot connect to"
                    + " etcd with these properties:\n\n" + invalid.properties().stream()
                    .map(p -> "\t- " + p.describe()).collect(Collectors.joining("\n")),
                    "Update " + invalid.properties().stream().map(EtcdClients.Invalid::property)
                    .collect(Collectors.joining(", ")) + " in the configuration read before the import"
                    + " (e.g. application.yml).", invalid);
        }
        if (!invalid.keys().isEmpty()) {
            return new FailureAnalysis("The configuration import '" + invalid.location() + "' read keys from"
                    + " etcd that do not parse:\n\n" + invalid.keys().entrySet().stream()
                    .map(k -> "\t- " + k.getKey() + ": " + k.getValue()).collect(Collectors.joining("\n")),
                    "Fix or delete " + (invalid.keys().size() == 1 ? "key " : "keys ")
                    + String.join(", ", invalid.keys().keySet()) + " in etcd (etcdctl put / etcdctl del), or import"
                    + " the prefix as 'optional:" + invalid.location() + "' to start with the keys that parse.",
                    invalid);
        }
        return new FailureAnalysis("The configuration import '" + invalid.location() + "' is invalid: "
                + invalid.reason() + ".", "Fix spring.config.import (see the watchcache README,"
                + " \"Configuration from etcd\").", invalid);
    }
}
