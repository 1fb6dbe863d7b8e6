package io.watchcache.etcd.autoconfigure;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.watchcache.etcd.EtcdCacheTypes;
import io.watchcache.etcd.EtcdConnection;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;

import java.util.Arrays;
import javax.net.ssl.SSLException;

/**
 * An {@link EtcdConnection} (closed on shutdown), its jetcd {@link Client} for the application's
 * own calls, and an {@link EtcdCacheTypes} factory on it when {@code watchcache.etcd.endpoints}
 * is set or the application declares an {@link EtcdConnectionDetails} bean, so etcd cache types
 * are one line each:
 *
 * <pre>{@code
 * @Bean EtcdKeyType flags(EtcdCacheTypes etcd) { return etcd.keyType(); }
 * }</pre>
 *
 * <p>The types use the connection, never a {@code Client} bean: an application's own client bean
 * is left for its own calls. To set the types' connection up another way, declare an
 * {@code EtcdConnection} bean.
 */
@AutoConfiguration(after = SslAutoConfiguration.class)
@ConditionalOnClass(Client.class)
@Conditional(OnEtcdEndpointsCondition.class)
@EnableConfigurationProperties(EtcdProperties.class)
public final class WatchCacheEtcdAutoConfiguration {

    /** Where etcd is and who logs in, from {@code watchcache.etcd.*} unless the application declares its own. */
    @Bean
    @ConditionalOnMissingBean
    EtcdConnectionDetails etcdConnectionDetails(EtcdProperties properties) {
        return new PropertiesEtcdConnectionDetails(properties);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EtcdConnection etcdConnection(EtcdProperties properties, EtcdConnectionDetails connection,
                                  ObjectProvider<SslBundles> sslBundles, Environment environment) {
        EtcdClients.requireValid(properties, Binder.get(environment));
        if (connection.getEndpoints().isEmpty()) {
            throw new IllegalStateException(connection.getClass().getName() + " names no etcd endpoint");
        }
        ClientBuilder builder = EtcdClients.builder(properties, connection);
        String bundleName = properties.getSsl().getBundle();
        SslBundle connectionBundle = connection.getSslBundle();
        if (connectionBundle != null) {
            builder.sslContext(sslContext("of " + connection.getClass().getName(), connectionBundle));
        } else if (bundleName != null) {
            SslBundles bundles = sslBundles.getIfAvailable();
            if (bundles == null) {
                throw new InvalidConfigurationPropertyValueException("watchcache.etcd.ssl.bundle", bundleName,
                        "No SSL bundles are configured (spring.ssl.bundle.*).");
            }
            builder.sslContext(sslContext(bundleName, bundles.getBundle(bundleName)));
        }
        return EtcdConnection.of(builder);
    }

    /**
     * The connection's jetcd client, for the application's own calls (writes, leases,
     * transactions): made when first injected, closed with the connection.
     */
    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    Client etcdClient(EtcdConnection connection) {
        return connection.client();
    }

    @Bean
    @ConditionalOnMissingBean
    EtcdCacheTypes etcdCacheTypes(EtcdConnection etcd, EtcdProperties properties, EtcdConnectionDetails connection) {
        return new EtcdCacheTypes(etcd, EtcdClients.typeOptions(properties, connection.getEndpoints()));
    }

    /** A Netty TLS context for gRPC from a Boot SSL bundle: its trust and, if set, its key. */
    static SslContext sslContext(String name, SslBundle bundle) {
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
}
