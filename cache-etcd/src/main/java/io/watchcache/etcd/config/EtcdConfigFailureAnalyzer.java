package io.watchcache.etcd.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a {@code watchcache-etcd:} import that is written wrong or whose store did not answer. */
public class EtcdConfigFailureAnalyzer extends AbstractFailureAnalyzer<RuntimeException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RuntimeException cause) {
        for (Throwable t = rootFailure; t != null; t = t.getCause()) {
            if (t instanceof InvalidEtcdConfigImportException invalid) {
                return new FailureAnalysis("The configuration import '" + invalid.location() + "' is invalid: "
                        + invalid.reason() + ".", "Fix spring.config.import (see the watchcache README,"
                        + " \"Configuration from etcd\").", invalid);
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
}
