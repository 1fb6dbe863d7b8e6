package io.watchcache.spring.boot.actuate.endpoint;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.HashSet;
import java.util.Set;

/** The {@code watchcache} endpoint, under {@code management.endpoint.watchcache.*}. */
@ConfigurationProperties("management.endpoint.watchcache")
public class WatchCacheEndpointProperties {

    /**
     * When to show entry keys, partitions and error messages (they may name secrets): never,
     * when-authorized or always. Hidden values read as ******.
     */
    private Show showValues = Show.NEVER;

    /** Roles that may see values when show-values is when-authorized; empty means any authenticated user. */
    private final Set<String> roles = new HashSet<>();

    public Show getShowValues() {
        return showValues;
    }

    public void setShowValues(Show showValues) {
        this.showValues = showValues;
    }

    public Set<String> getRoles() {
        return roles;
    }
}
