package io.watchcache.etcd.config;

import org.jspecify.annotations.Nullable;

import java.util.List;

/** etcd did not answer the startup read of a (non-optional) {@code watchcache-etcd:} import. */
public class EtcdConfigUnavailableException extends RuntimeException {

    private final String prefix;
    private final List<String> endpoints;
    private final String reason;

    public EtcdConfigUnavailableException(String prefix, List<String> endpoints, String reason,
                                          @Nullable Throwable cause) {
        super("Could not read configuration prefix '" + prefix + "' from etcd at " + endpoints + ": " + reason, cause);
        this.prefix = prefix;
        this.endpoints = List.copyOf(endpoints);
        this.reason = reason;
    }

    /** Why, in words: e.g. "no answer within 5s". */
    public String reason() {
        return reason;
    }

    public String prefix() {
        return prefix;
    }

    public List<String> endpoints() {
        return endpoints;
    }
}
