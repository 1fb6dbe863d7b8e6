package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.autoconfigure.WatchCacheEtcdAutoConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Endpoints (and credentials) from an {@link EtcdConnectionDetails} bean instead of
 * {@code watchcache.etcd.*}, against a real etcd: the Boot pattern for a service connection or a
 * secret store.
 */
@ExtendWith(EtcdExtension.class)
class EtcdConnectionDetailsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                    WatchCacheEtcdAutoConfiguration.class));

    private EtcdCluster cluster;

    @BeforeEach
    void cluster(EtcdCluster cluster) throws Exception {
        this.cluster = cluster;
        cluster.ensureAllRunning();
    }

    @Test
    void aConnectionDetailsBeanAloneCreatesTheClientAndItsTypes() {
        EtcdConnectionDetails details = () -> cluster.endpoints();
        runner.withBean(EtcdConnectionDetails.class, () -> details).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Client.class)
                    .getBean(EtcdConnectionDetails.class).isSameAs(details);
            EtcdCacheTypes types = context.getBean(EtcdCacheTypes.class);
            assertThat(types.options().endpoints()).containsExactlyElementsOf(cluster.endpoints());
            types.client().getKVClient().put(bytes("details/k"), bytes("from a bean")).get(10, TimeUnit.SECONDS);
            try (WatchCache cache = new WatchCache(CacheOptions.defaults())) {
                TypedCache<CacheRequest, Optional<String>> keys = cache.register("key", types.keyType());
                assertThat(keys.get(EtcdRequest.of("details/k")).value()).contains("from a bean");
            }
        });
    }

    @Test
    void theBeanWinsOverTheProperties() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:1", "watchcache.etcd.request-timeout=3s")
                .withBean(EtcdConnectionDetails.class, () -> () -> cluster.endpoints())
                .run(context -> {
                    EtcdCacheTypes types = context.getBean(EtcdCacheTypes.class);
                    assertThat(types.options().endpoints()).containsExactlyElementsOf(cluster.endpoints());
                    // Everything but where and who stays in the properties.
                    assertThat(types.options().requestTimeout()).hasSeconds(3);
                    types.client().getKVClient().put(bytes("details/k2"), bytes("v")).get(10, TimeUnit.SECONDS);
                });
    }

    @Test
    void withoutEitherThereIsNoClient() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Client.class)
                .doesNotHaveBean(EtcdConnectionDetails.class));
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
