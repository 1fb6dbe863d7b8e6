package io.watchcache.etcd;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class WatchCacheEtcdAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WatchCacheEtcdAutoConfiguration.class));

    @Test
    void noEndpointsNoClient() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Client.class));
    }

    @Test
    void endpointsCreateAClientThatIsClosedWithTheContext() {
        Client[] client = new Client[1];
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379",
                        "watchcache.etcd.user=app", "watchcache.etcd.password=hunter2")
                .run(context -> {
                    assertThat(context).hasSingleBean(Client.class);
                    client[0] = context.getBean(Client.class);
                    assertThat(context.getBean(EtcdProperties.class).toString()).doesNotContain("hunter2");
                });
        assertThat(client[0]).isNotNull();
    }

    @Test
    void endpointsAsAListAlsoCreateTheClient() {
        runner.withPropertyValues("watchcache.etcd.endpoints[0]=http://127.0.0.1:2379",
                        "watchcache.etcd.endpoints[1]=http://127.0.0.1:2380")
                .run(context -> assertThat(context).hasSingleBean(Client.class));
    }

    @Test
    void theApplicationsOwnClientWins() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379")
                .withBean("mine", Client.class, () -> Client.builder().endpoints("http://127.0.0.1:1").build())
                .run(context -> assertThat(context).hasSingleBean(Client.class).hasBean("mine"));
    }
}
