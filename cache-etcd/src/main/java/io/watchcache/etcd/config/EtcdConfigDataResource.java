package io.watchcache.etcd.config;

import org.springframework.boot.context.config.ConfigDataResource;

import java.time.Duration;
import java.util.Objects;

/**
 * One {@code watchcache-etcd:<prefix>} import: the prefix whose keys become properties, and how
 * long the startup read may take.
 */
public final class EtcdConfigDataResource extends ConfigDataResource {

    private final String prefix;
    private final boolean optional;
    private final Duration requestTimeout;

    EtcdConfigDataResource(String prefix, boolean optional, Duration requestTimeout) {
        super(optional);
        this.prefix = prefix;
        this.optional = optional;
        this.requestTimeout = requestTimeout;
    }

    /** Imported as {@code optional:watchcache-etcd:...}: startup goes on without etcd. */
    boolean isOptional() {
        return optional;
    }

    public String prefix() {
        return prefix;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    /** The property source's name, as {@code /actuator/env} lists it. */
    String sourceName() {
        return EtcdConfigDataLocationResolver.PREFIX + prefix;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EtcdConfigDataResource that && prefix.equals(that.prefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefix);
    }

    @Override
    public String toString() {
        return sourceName();
    }
}
