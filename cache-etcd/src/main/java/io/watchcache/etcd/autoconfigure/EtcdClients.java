package io.watchcache.etcd.autoconfigure;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.watchcache.Durations;
import io.watchcache.InvalidOptionException;
import io.watchcache.etcd.EtcdTypeOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * A jetcd {@link ClientBuilder} and the types' {@link EtcdTypeOptions} from
 * {@code watchcache.etcd.*} (TLS is the caller's, from an SSL bundle). One place, for the
 * beans and for {@code watchcache-etcd:} configuration imports.
 */
public final class EtcdClients {

    private EtcdClients() {
    }

    /** A client builder from {@code watchcache.etcd.*} alone (configuration imports: there are no beans yet). */
    public static ClientBuilder builder(EtcdProperties properties) {
        return builder(properties, details(properties));
    }

    /** The connection details {@code watchcache.etcd.*} gives: endpoints, user, password. */
    public static EtcdConnectionDetails details(EtcdProperties properties) {
        return new PropertiesEtcdConnectionDetails(properties);
    }

    /**
     * Whether {@code details} come from {@code watchcache.etcd.*} (the default), rather than from
     * a bean or the bootstrap registry.
     */
    public static boolean fromProperties(EtcdConnectionDetails details) {
        return details instanceof PropertiesEtcdConnectionDetails;
    }

    /**
     * Everything a client is set up from, to tell whether two would connect alike: where etcd is,
     * who logs in, the namespace and authority, keepalive, and the TLS material ({@code tls}: the
     * bundle, or its name; null for plain text). The password is compared, never shown.
     */
    public record Settings(List<String> endpoints, @Nullable String user, @Nullable String password,
                           @Nullable String namespace, @Nullable String authority, @Nullable Duration keepaliveTime,
                           @Nullable Duration keepaliveTimeout, @Nullable Object tls) {

        public static Settings of(EtcdProperties properties, EtcdConnectionDetails details, @Nullable Object tls) {
            return new Settings(List.copyOf(details.getEndpoints()), details.getUser(), details.getPassword(),
                    properties.getNamespace(), properties.getAuthority(), properties.getKeepaliveTime(),
                    properties.getKeepaliveTimeout(), tls);
        }

        /** What differs from {@code other}, by name (the password only as "password"). */
        public List<String> differences(Settings other) {
            List<String> differ = new ArrayList<>();
            if (!endpoints.equals(other.endpoints)) {
                differ.add("endpoints " + endpoints + " vs " + other.endpoints);
            }
            if (!Objects.equals(user, other.user)) {
                differ.add("user");
            }
            if (!Objects.equals(password, other.password)) {
                differ.add("password");
            }
            if (!Objects.equals(namespace, other.namespace)) {
                differ.add("namespace");
            }
            if (!Objects.equals(authority, other.authority)) {
                differ.add("authority");
            }
            if (!Objects.equals(keepaliveTime, other.keepaliveTime)
                    || !Objects.equals(keepaliveTimeout, other.keepaliveTimeout)) {
                differ.add("keepalive");
            }
            if (!Objects.equals(tls, other.tls)) {
                differ.add("TLS");
            }
            return differ;
        }

        @Override
        public String toString() {
            return "Settings[endpoints=" + endpoints + ", user=" + user + ", namespace=" + namespace + "]";
        }
    }

    /**
     * A client builder: where etcd is and who logs in from {@code connection}, keepalive,
     * namespace and authority from {@code properties}.
     */
    public static ClientBuilder builder(EtcdProperties properties, EtcdConnectionDetails connection) {
        ClientBuilder builder = Client.builder().endpoints(connection.getEndpoints().toArray(String[]::new))
                .keepaliveTime(positive("watchcache.etcd.keepalive-time", properties.getKeepaliveTime()))
                .keepaliveTimeout(positive("watchcache.etcd.keepalive-timeout", properties.getKeepaliveTimeout()));
        String user = connection.getUser();
        if (user != null) {
            builder.user(utf8(user));
        }
        String password = connection.getPassword();
        if (password != null) {
            builder.password(utf8(password));
        }
        if (properties.getNamespace() != null) {
            builder.namespace(utf8(properties.getNamespace()));
        }
        if (properties.getAuthority() != null) {
            builder.authority(properties.getAuthority());
        }
        return builder;
    }

    /** A Netty TLS context for gRPC from a Boot SSL bundle: its trust and, if set, its key. */
    public static SslContext sslContext(String name, SslBundle bundle) {
        try {
            SslContextBuilder builder = GrpcSslContexts.forClient()
                    .trustManager(bundle.getManagers().getTrustManagerFactory());
            if (bundle.getStores().getKeyStore() != null) {
                builder.keyManager(bundle.getManagers().getKeyManagerFactory());
            }
            SslOptions options = bundle.getOptions();
            if (options.getEnabledProtocols() != null) {
                builder.protocols(options.getEnabledProtocols());
            }
            if (options.getCiphers() != null) {
                builder.ciphers(Arrays.asList(options.getCiphers()));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new InvalidConfigurationPropertyValueException("watchcache.etcd.ssl.bundle", name,
                    "The bundle cannot make a TLS context for gRPC: " + e.getMessage());
        }
    }

    /**
     * The options of the etcd cache types from {@code watchcache.etcd.*}, each duration checked
     * under its property's name.
     */
    public static EtcdTypeOptions typeOptions(EtcdProperties properties) {
        return typeOptions(properties, properties.getEndpoints());
    }

    /** {@link #typeOptions(EtcdProperties)} naming {@code endpoints} in messages. */
    public static EtcdTypeOptions typeOptions(EtcdProperties properties, List<String> endpoints) {
        EtcdTypeOptions.Builder options = EtcdTypeOptions.builder().endpoints(endpoints);
        Duration request = properties.getRequestTimeout();
        Duration interval = properties.getProgressInterval();
        Duration timeout = properties.getProgressTimeout();
        int perStream = properties.getWatchesPerStream();
        Duration grace = properties.getFailoverGrace();
        // The options' own rules, reported under the property's name.
        checked("watchcache.etcd.request-timeout", request, () -> options.requestTimeout(request));
        checked("watchcache.etcd.progress-interval", interval, () -> options.progressInterval(interval));
        checked("watchcache.etcd.progress-timeout", timeout, () -> options.progressTimeout(timeout));
        checked("watchcache.etcd.watches-per-stream", perStream, () -> options.watchesPerStream(perStream));
        checked("watchcache.etcd.failover-grace", grace, () -> options.failoverGrace(grace));
        return options.build();
    }

    /** One {@code watchcache.etcd.*} value the client cannot use: as written, where, and why. */
    public record Invalid(String property, @Nullable Object written, @Nullable Origin origin, String reason) {

        /** One line of a report: {@code 'watchcache.etcd.request-timeout' = '-1s' (from ...): must be positive}. */
        public String describe() {
            return "'" + property + "'" + (written == null ? "" : " = '" + written + "'")
                    + (origin == null ? "" : " (from " + origin + ")") + ": " + reason;
        }
    }

    /**
     * Every duration under {@code watchcache.etcd.*} the client cannot run with, each with its
     * value as written and where it was written ({@code binder} reads them again for that).
     * The core's rules: durations must be positive, but for the failover grace, which may be
     * zero (none).
     */
    public static List<Invalid> check(EtcdProperties properties, Binder binder) {
        Map<String, @Nullable Duration> durations = new LinkedHashMap<>();
        durations.put("watchcache.etcd.request-timeout", properties.getRequestTimeout());
        durations.put("watchcache.etcd.progress-interval", properties.getProgressInterval());
        durations.put("watchcache.etcd.progress-timeout", properties.getProgressTimeout());
        durations.put("watchcache.etcd.keepalive-time", properties.getKeepaliveTime());
        durations.put("watchcache.etcd.keepalive-timeout", properties.getKeepaliveTimeout());
        List<Invalid> invalid = new ArrayList<>();
        durations.forEach((property, value) -> checkOne(binder, property, value,
                () -> Durations.requiredPositive(property, value), invalid));
        Duration grace = properties.getFailoverGrace();
        checkOne(binder, "watchcache.etcd.failover-grace", grace,
                () -> Durations.nonNegative("watchcache.etcd.failover-grace", grace), invalid);
        return invalid;
    }

    private static void checkOne(Binder binder, String property, @Nullable Duration value, Runnable rule,
                                 List<Invalid> invalid) {
        try {
            rule.run();
        } catch (InvalidOptionException e) {
            ConfigurationProperty written = written(binder, property);
            invalid.add(new Invalid(property, written == null ? value : written.getValue(),
                    written == null ? null : written.getOrigin(), e.reason()));
        }
    }

    /**
     * Throws Boot's {@link InvalidConfigurationPropertyValueException} for the first value
     * {@link #check} refuses (Boot's analyzer adds where it was written).
     */
    public static void requireValid(EtcdProperties properties, Binder binder) {
        for (Invalid invalid : check(properties, binder)) {
            throw new InvalidConfigurationPropertyValueException(invalid.property(), invalid.written(),
                    invalid.reason());
        }
    }

    /** The property as its source holds it: the text the user wrote and its origin. */
    private static @Nullable ConfigurationProperty written(Binder binder, String property) {
        ConfigurationProperty[] found = new ConfigurationProperty[1];
        binder.bind(property, Bindable.of(String.class), new BindHandler() {
            @Override
            public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                                    Object result) {
                found[0] = context.getConfigurationProperty();
                return result;
            }
        });
        return found[0];
    }

    private static Duration positive(String property, @Nullable Duration value) {
        return checked(property, value, () -> Durations.requiredPositive(property, value));
    }

    /** {@code step}, with the core's refusal turned into Boot's, naming {@code property}. */
    private static <T> T checked(String property, @Nullable Object value, Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidOptionException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.reason());
        }
    }

    private static ByteSequence utf8(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }
}
