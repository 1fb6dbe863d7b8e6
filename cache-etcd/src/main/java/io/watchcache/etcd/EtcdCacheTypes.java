package io.watchcache.etcd;

import io.etcd.jetcd.Client;

import java.util.Objects;

/**
 * Makes etcd cache types that share one client and one set of {@link EtcdTypeOptions}. The
 * Spring Boot auto-configuration provides one built from {@code watchcache.etcd.*}:
 *
 * <pre>{@code
 * @Bean EtcdKeyType flags(EtcdCacheTypes etcd)     { return etcd.keyType(); }
 * @Bean EtcdPrefixType config(EtcdCacheTypes etcd) { return etcd.prefixType(); }
 * }</pre>
 */
public final class EtcdCacheTypes {

    private final Client client;
    private final EtcdTypeOptions options;

    public EtcdCacheTypes(Client client, EtcdTypeOptions options) {
        this.client = Objects.requireNonNull(client, "client");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A type whose value is one key's value ({@code Optional.empty()} when absent). */
    public EtcdKeyType keyType() {
        return new EtcdKeyType(client, options);
    }

    /** A type whose value is every key under a prefix, with what changed. */
    public EtcdPrefixType prefixType() {
        return new EtcdPrefixType(client, options);
    }

    public Client client() {
        return client;
    }

    public EtcdTypeOptions options() {
        return options;
    }
}
