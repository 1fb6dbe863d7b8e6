package io.watchcache.etcd.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

import java.util.List;

/**
 * Where etcd is and how to log in: Spring Boot's {@link ConnectionDetails} pattern. By default
 * the details come from {@code watchcache.etcd.*}; declare a bean of this type to take them from
 * somewhere else (a service connection, a secret store), and the auto-configured client uses it
 * instead. Everything else (timeouts, keepalive, namespace) stays in the properties.
 *
 * <p>Configuration imports ({@code spring.config.import=watchcache-etcd:}) run before there are
 * beans, so a bean does not reach them: they connect with the properties, or with details
 * registered in Boot's bootstrap registry ({@link EtcdBootstrap#connectionDetails}), which then
 * become this bean. A bean that points elsewhere than an import read from stops startup.
 */
public interface EtcdConnectionDetails extends ConnectionDetails {

    /** The cluster's endpoints, e.g. {@code http://127.0.0.1:2379}; at least one. */
    List<String> getEndpoints();

    /** The user for etcd authentication, or null for none. */
    default @Nullable String getUser() {
        return null;
    }

    /** The user's password, or null. */
    default @Nullable String getPassword() {
        return null;
    }

    /**
     * The TLS material to connect with, or null to use {@code watchcache.etcd.ssl.bundle} (if
     * set) or plain text.
     */
    default @Nullable SslBundle getSslBundle() {
        return null;
    }
}
