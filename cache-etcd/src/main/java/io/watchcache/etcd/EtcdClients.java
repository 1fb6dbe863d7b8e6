package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A jetcd {@link ClientBuilder} and the types' {@link EtcdTypeOptions} from
 * {@code watchcache.etcd.*} (TLS is the caller's, from an SSL bundle). One place, for the
 * beans and for {@code watchcache-etcd:} configuration imports.
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

    /**
     * The options of the etcd cache types from {@code watchcache.etcd.*}, each duration checked
     * under its property's name.
     */
    public static EtcdTypeOptions typeOptions(EtcdProperties properties) {
        return EtcdTypeOptions.builder()
                .requestTimeout(positive("watchcache.etcd.request-timeout", properties.getRequestTimeout()))
                .progressInterval(positive("watchcache.etcd.progress-interval", properties.getProgressInterval()))
                .progressTimeout(positive("watchcache.etcd.progress-timeout", properties.getProgressTimeout()))
                .endpoints(properties.getEndpoints())
                .build();
    }

    private static Duration positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidConfigurationPropertyValueException(property, value, "It must be positive.");
        }
        return value;
    }

    private static ByteSequence utf8(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }
}
