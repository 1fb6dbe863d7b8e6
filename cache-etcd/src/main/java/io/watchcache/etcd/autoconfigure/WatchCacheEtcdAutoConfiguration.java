package io.watchcache.etcd.autoconfigure;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.watchcache.etcd.EtcdCacheTypes;
import io.watchcache.etcd.EtcdConnection;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;

import java.util.List;
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

    /**
     * The types' connection. When a {@code watchcache-etcd:} import has read with the same
     * settings, it is the imports' connection, shared rather than opened twice; when an
     * {@link EtcdConnectionDetails} bean points elsewhere than the imports read from, startup
     * fails and says what differs.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EtcdConnection etcdConnection(EtcdProperties properties, EtcdConnectionDetails connection,
                                  ObjectProvider<SslBundles> sslBundles, Environment environment,
                                  @Qualifier(EtcdImportConnection.BEAN_NAME)
                                  ObjectProvider<EtcdImportConnection> imports) {
        EtcdClients.requireValid(properties, Binder.get(environment));
        if (connection.getEndpoints().isEmpty()) {
            throw new IllegalStateException(connection.getClass().getName() + " names no etcd endpoint");
        }
        String bundleName = properties.getSsl().getBundle();
        SslBundle connectionBundle = connection.getSslBundle();
        EtcdImportConnection imported = imports.getIfAvailable();
        if (imported != null) {
            EtcdClients.Settings types = EtcdClients.Settings.of(properties, connection,
                    connectionBundle != null ? connectionBundle : bundleName);
            List<String> differences = imported.settings().differences(types);
            if (differences.isEmpty()) {
                return imported.share();
            }
            if (!EtcdClients.fromProperties(connection)) {
                throw new IllegalStateException("The etcd configuration import and the cache types would connect"
                        + " differently (" + String.join("; ", differences) + "): the import read with "
                        + "watchcache.etcd.* before any bean existed, and the EtcdConnectionDetails bean "
                        + connection.getClass().getName() + " points the types elsewhere. Register the details in"
                        + " the bootstrap registry (EtcdBootstrap.connectionDetails(...)) so that the import uses"
                        + " them too, or make the two agree.");
            }
            // Both from watchcache.etcd.*, but read at different times (a value imported from
            // etcd itself, say): each keeps its own connection, as configured.
        }
        ClientBuilder builder = EtcdClients.builder(properties, connection);
        if (connectionBundle != null) {
            builder.sslContext(EtcdClients.sslContext("of " + connection.getClass().getName(), connectionBundle));
        } else if (bundleName != null) {
            SslBundles bundles = sslBundles.getIfAvailable();
            if (bundles == null) {
                throw new InvalidConfigurationPropertyValueException("watchcache.etcd.ssl.bundle", bundleName,
                        "No SSL bundles are configured (spring.ssl.bundle.*).");
            }
            builder.sslContext(EtcdClients.sslContext(bundleName, bundles.getBundle(bundleName)));
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
}
