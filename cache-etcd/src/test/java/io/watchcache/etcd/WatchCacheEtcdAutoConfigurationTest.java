package io.watchcache.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.watchcache.etcd.autoconfigure.EtcdProperties;
import io.watchcache.etcd.autoconfigure.WatchCacheEtcdAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WatchCacheEtcdAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                    WatchCacheEtcdAutoConfiguration.class));

    @Test
    void noEndpointsNoClient() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Client.class).doesNotHaveBean(EtcdCacheTypes.class));
    }

    @Test
    void endpointsCreateAConnectionAndItsClientThatCloseWithTheContext() {
        EtcdConnection[] connection = new EtcdConnection[1];
        ManagedChannel[] channel = new ManagedChannel[1];
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379",
                        "watchcache.etcd.user=app", "watchcache.etcd.password=hunter2")
                .run(context -> {
                    assertThat(context).hasSingleBean(EtcdConnection.class).hasSingleBean(Client.class);
                    connection[0] = context.getBean(EtcdConnection.class);
                    assertThat(context.getBean(Client.class)).isSameAs(connection[0].client());
                    assertThat(context.getBean(EtcdCacheTypes.class).connection()).isSameAs(connection[0]);
                    assertThat(context.getBean(EtcdProperties.class).toString()).doesNotContain("hunter2");
                    assertThat(connection[0].toString()).doesNotContain("hunter2");
                    channel[0] = connection[0].channel();
                });
        assertThat(channel[0].isShutdown()).as("closed with the context").isTrue();
    }

    @Test
    void endpointsAsAListAlsoCreateTheClient() {
        runner.withPropertyValues("watchcache.etcd.endpoints[0]=http://127.0.0.1:2379",
                        "watchcache.etcd.endpoints[1]=http://127.0.0.1:2380")
                .run(context -> assertThat(context).hasSingleBean(Client.class));
    }

    @Test
    void theApplicationsOwnClientWinsAndTheTypesKeepTheConnection() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379")
                .withBean("mine", Client.class, () -> Client.builder().endpoints("http://127.0.0.1:1").build())
                .run(context -> {
                    assertThat(context).hasSingleBean(Client.class).hasBean("mine").hasSingleBean(EtcdConnection.class);
                    assertThat(context.getBean(EtcdCacheTypes.class).connection().toString()).contains("2379");
                });
    }

    @Test
    void typesFromTheFactoryCarryTheConfiguredTimeoutsAndEndpoints() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379,http://127.0.0.1:2479",
                        "watchcache.etcd.request-timeout=7s", "watchcache.etcd.progress-interval=1500ms",
                        "watchcache.etcd.progress-timeout=4s")
                .run(context -> {
                    EtcdTypeOptions options = context.getBean(EtcdCacheTypes.class).keyType().options();
                    assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(options.progressInterval()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(options.progressTimeout()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(options.endpoints()).containsExactly("http://127.0.0.1:2379", "http://127.0.0.1:2479");
                    assertThat(context.getBean(EtcdCacheTypes.class).prefixType().options()).isEqualTo(options);
                });
    }

    @Test
    void defaultsDetectASilentMemberWithinTenSeconds() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379").run(context -> {
            EtcdTypeOptions options = context.getBean(EtcdCacheTypes.class).options();
            Duration check = options.progressInterval().compareTo(options.progressTimeout()) < 0
                    ? options.progressInterval() : options.progressTimeout();
            // Silent for the interval, asked, unanswered for the timeout; each step seen up to half a check late.
            Duration worst = options.progressInterval().plus(options.progressTimeout()).plus(check);
            assertThat(worst).isLessThanOrEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void nonPositiveDurationsFailStartupNamingTheProperty() {
        for (String property : List.of("request-timeout", "progress-interval", "progress-timeout", "keepalive-time",
                "keepalive-timeout")) {
            runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379",
                    "watchcache.etcd." + property + "=-3s").run(context -> {
                        assertThat(context).hasFailed();
                        // The value as written (not Boot's PT-3S) and the core's reason, word for word.
                        assertThat(context.getStartupFailure()).rootCause()
                                .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
                                    assertThat(e.getName()).isEqualTo("watchcache.etcd." + property);
                                    assertThat(e.getValue()).isEqualTo("-3s");
                                    assertThat(e.getReason()).isEqualTo("must be positive");
                                });
                    });
        }
    }

    @Test
    void watchesPerStreamBelowOneFailsStartupNamingTheProperty() {
        runner.withPropertyValues("watchcache.etcd.endpoints=http://127.0.0.1:2379",
                "watchcache.etcd.watches-per-stream=0").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
                                assertThat(e.getName()).isEqualTo("watchcache.etcd.watches-per-stream");
                                assertThat(e.getReason()).isEqualTo("must be at least 1");
                            });
                });
    }

    @Test
    void anUnknownSslBundleFailsStartup() {
        runner.withPropertyValues("watchcache.etcd.endpoints=https://127.0.0.1:2379",
                "watchcache.etcd.ssl.bundle=nope").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(NoSuchSslBundleException.class)
                            .hasMessageContaining("nope");
                });
    }
}
