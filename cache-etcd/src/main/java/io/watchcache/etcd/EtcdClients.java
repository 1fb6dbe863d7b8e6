package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A jetcd {@link ClientBuilder} from {@code watchcache.etcd.*}: endpoints, credentials,
 * namespace, authority and keepalive (TLS is the caller's, from an SSL bundle). One place, for
 * the client bean and for the client of {@code watchcache-etcd:} configuration imports.
 */
public final class EtcdClients {

    private EtcdClients() {
    }

    public static ClientBuilder builder(EtcdProperties properties) {
        ClientBuilder builder = Client.builder().endpoints(properties.getEndpoints().toArray(String[]::new))
                .keepaliveTime(positive("watchcache.etcd.keepalive-time", properties.getKeepaliveTime()))
                .keepaliveTimeout(positive("watchcache.etcd.keepalive-timeout", properties.getKeepaliveTimeout()));
        if (properties.getUser() != null) {
            builder.user(utf8(properties.getUser()));
        }
        if (properties.getPassword() != null) {
            builder.password(utf8(properties.getPassword()));
        }
        if (properties.getNamespace() != null) {
            builder.namespace(utf8(properties.getNamespace()));
        }
        if (properties.getAuthority() != null) {
            builder.authority(properties.getAuthority());
        }
        return builder;
    }

    static Duration positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidConfigurationPropertyValueException(property, value, "It must be positive.");
        }
        return value;
    }

    private static ByteSequence utf8(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }
}
