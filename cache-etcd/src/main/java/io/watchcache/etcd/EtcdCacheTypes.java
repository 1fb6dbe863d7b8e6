package io.watchcache.etcd;

import io.etcd.jetcd.Client;

import java.util.Objects;

/**
 * Makes etcd cache types that share one {@link EtcdConnection} (and its watch streams) and one
 * set of {@link EtcdTypeOptions}. The Spring Boot auto-configuration provides one built from
 * {@code watchcache.etcd.*}:
 *
 * <pre>{@code
 * @Bean EtcdKeyType flags(EtcdCacheTypes etcd)     { return etcd.keyType(); }
 * @Bean EtcdPrefixType config(EtcdCacheTypes etcd) { return etcd.prefixType(); }
 * }</pre>
 */
public final class EtcdCacheTypes {

    private final EtcdConnection connection;
    private final EtcdTypeOptions options;

    public EtcdCacheTypes(EtcdConnection connection, EtcdTypeOptions options) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A type whose value is one key's value ({@code Optional.empty()} when absent). */
    public EtcdKeyType keyType() {
        return new EtcdKeyType(connection, options);
    }

    /** A type whose value is every key under a prefix, with what changed. */
    public EtcdPrefixType prefixType() {
        return new EtcdPrefixType(connection, options);
    }

    public EtcdConnection connection() {
        return connection;
    }

    /** The connection's jetcd client, for the application's own calls ({@link EtcdConnection#client()}). */
    public Client client() {
        return connection.client();
    }

    public EtcdTypeOptions options() {
        return options;
    }
}
