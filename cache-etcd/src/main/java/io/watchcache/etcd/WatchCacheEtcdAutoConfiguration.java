package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import java.nio.charset.StandardCharsets;

/**
 * A jetcd {@link Client} bean (closed on shutdown) when {@code watchcache.etcd.endpoints} is set,
 * so etcd cache types are one line each:
 *
 * <pre>{@code
 * @Bean EtcdKeyType flags(Client etcd) { return new EtcdKeyType(etcd); }
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnClass(Client.class)
@Conditional(OnEtcdEndpointsCondition.class)
@EnableConfigurationProperties(EtcdProperties.class)
public final class WatchCacheEtcdAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Client etcdClient(EtcdProperties properties) {
        ClientBuilder builder = Client.builder().endpoints(properties.getEndpoints().toArray(String[]::new));
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
        return builder.build();
    }

    private static ByteSequence utf8(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }
}
