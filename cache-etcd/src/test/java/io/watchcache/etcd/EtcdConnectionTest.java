package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The connection the etcd types run on, without etcd: nothing connects before the first call.
 * Recovery after a long outage relies on resetting the reconnect backoff of the channel the
 * types' calls run on, which is the connection's own.
 */
class EtcdConnectionTest {

    @Test
    void theCallsRunOnTheConnectionsOwnChannelWhoseBackoffCanBeReset() {
        try (EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1"))) {
            EtcdCalls calls = new EtcdCalls(connection);

            assertThat(calls.channel()).isSameAs(connection.channel());
            assertThat(calls.channel().isShutdown()).isFalse();
            calls.channel().resetConnectBackoff();
        }
    }

    @Test
    void aBuilderWithoutEndpointsIsRefusedAtOnce() {
        assertThatThrownBy(() -> EtcdConnection.of(Client.builder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no endpoint");
    }

    @Test
    void theConnectionNamesItsEndpointsButNeverItsUserOrPassword() {
        try (EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1")
                .user(utf8("app-user")).password(utf8("hunter2")))) {
            assertThat(connection.toString()).contains("127.0.0.1:1").doesNotContain("hunter2", "app-user");
            assertThat(String.valueOf(connection.token())).doesNotContain("hunter2", "app-user");
        }
    }

    @Test
    void aNamespaceIsTakenFromTheBuilder() {
        try (EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1")
                .namespace(utf8("tenant/")))) {
            assertThat(connection.namespace()).isEqualTo(utf8("tenant/"));
            assertThat(new EtcdCalls(connection).namespace()).isEqualTo(utf8("tenant/"));
        }
    }

    @Test
    void nothingOfGrpcIsSetUpUntilTheFirstCallAndAConnectionNeverUsedClosesQuietly() {
        EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1"));
        EtcdKeyType type = new EtcdKeyType(connection);
        assertThat(type).isNotNull();
        assertThat(connection.channelSetUp()).as("declaring a type sets no channel up").isFalse();

        connection.channel();
        assertThat(connection.channelSetUp()).isTrue();
        connection.close();

        EtcdConnection unused = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1"));
        unused.close();
        assertThat(unused.channelSetUp()).isFalse();
    }

    @Test
    void closingEndsTheChannelAndTheClientAndRefusesNewTypes() {
        EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1"));
        Client client = connection.client();
        assertThat(connection.client()).as("one client per connection").isSameAs(client);
        ManagedChannel channel = connection.channel();

        connection.close();
        connection.close();

        assertThat(channel.isShutdown()).isTrue();
        assertThatThrownBy(connection::channel).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(connection::client).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> new EtcdKeyType(connection)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aWatchAskedOfClosedStreamsEndsAtOnce() {
        try (EtcdConnection connection = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:1"))) {
            WatchStreams streams = connection.shared(EtcdTypeOptions.defaults()).streams();
            HeardWatch before = new HeardWatch();
            streams.watch("a", false, 1, 0, before);
            streams.close();
            HeardWatch after = new HeardWatch();
            streams.watch("b", false, 1, 0, after);

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !before.failures.isEmpty() && !after.failures.isEmpty());
            assertThat(before.failures.get(0)).hasMessageContaining("connection is closed");
            assertThat(after.failures.get(0)).hasMessageContaining("connection is closed");
            assertThat(streams.streamCount()).isZero();
            assertThat(streams.recreatingCount()).isZero();
        }
    }

    private static ByteSequence utf8(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }
}
