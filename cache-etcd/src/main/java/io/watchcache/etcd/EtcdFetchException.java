package io.watchcache.etcd;

import io.watchcache.SourceSilence;

import java.time.Duration;
import java.util.Locale;

/**
 * A failed read or watch of an etcd range, naming what failed: the operation, the key or
 * prefix, and the endpoints. The original error (a gRPC status, a timeout) is the cause.
 */
public final class EtcdFetchException extends RuntimeException implements SourceSilence {

    /** What was being done when it failed. */
    public enum Operation {
        /** reading the range (etcd's Range RPC) */
        RANGE,
        /** watching the range (etcd's Watch stream) */
        WATCH
    }

    private final Operation operation;
    private final String key;
    private final boolean prefix;
    private final Duration silentFor;

    EtcdFetchException(Operation operation, String key, boolean prefix, String endpoints, String problem,
                       Throwable cause) {
        this(operation, key, prefix, endpoints, problem, cause, Duration.ZERO);
    }

    EtcdFetchException(Operation operation, String key, boolean prefix, String endpoints, String problem,
                       Throwable cause, Duration silentFor) {
        super("etcd " + operation.name().toLowerCase(Locale.ROOT) + " of " + (prefix ? "prefix" : "key")
                + " '" + key + "' on " + endpoints + " failed: " + problem, cause);
        this.operation = operation;
        this.key = key;
        this.prefix = prefix;
        this.silentFor = silentFor;
    }

    /**
     * How long etcd had been silent for this range when the fetch failed: for a watch whose
     * stream failed and was not confirmed again within the failover grace, the time since the
     * stream failed; else zero.
     */
    @Override
    public Duration silentFor() {
        return silentFor;
    }

    public Operation operation() {
        return operation;
    }

    /** The key, or the prefix when {@link #isPrefix()}. */
    public String key() {
        return key;
    }

    public boolean isPrefix() {
        return prefix;
    }
}
