package io.watchcache.etcd.autoconfigure;

import org.jspecify.annotations.Nullable;

import java.util.List;

/** The default {@link EtcdConnectionDetails}: {@code watchcache.etcd.endpoints}, {@code .user}, {@code .password}. */
final class PropertiesEtcdConnectionDetails implements EtcdConnectionDetails {

    private final EtcdProperties properties;

    PropertiesEtcdConnectionDetails(EtcdProperties properties) {
        this.properties = properties;
    }

    @Override
    public List<String> getEndpoints() {
        return properties.getEndpoints();
    }

    @Override
    public @Nullable String getUser() {
        return properties.getUser();
    }

    @Override
    public @Nullable String getPassword() {
        return properties.getPassword();
    }
}
