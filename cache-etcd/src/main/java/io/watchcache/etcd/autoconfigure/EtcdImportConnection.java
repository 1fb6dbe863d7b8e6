package io.watchcache.etcd.autoconfigure;

import io.watchcache.etcd.EtcdConnection;

import java.util.Objects;

/**
 * The connection the {@code watchcache-etcd:} configuration imports read with, handed to the
 * application context as the bean {@value #BEAN_NAME}, with the settings it was made from. When
 * the cache types would connect the same way, they use it rather than open a second one
 * ({@link WatchCacheEtcdAutoConfiguration}); it is then theirs to close, after the caches.
 */
public final class EtcdImportConnection {

    public static final String BEAN_NAME = "watchcacheEtcdImportConnection";

    private final EtcdConnection connection;
    private final EtcdClients.Settings settings;
    private volatile boolean shared;

    public EtcdImportConnection(EtcdConnection connection, EtcdClients.Settings settings) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The connection, still the imports' to close unless {@link #isShared()}. */
    public EtcdConnection connection() {
        return connection;
    }

    public EtcdClients.Settings settings() {
        return settings;
    }

    /** The connection, for the types too: from now on whoever shares it closes it, not the imports. */
    EtcdConnection share() {
        shared = true;
        return connection;
    }

    /** Whether the types use it too (then the imports leave it open when they stop). */
    public boolean isShared() {
        return shared;
    }
}
