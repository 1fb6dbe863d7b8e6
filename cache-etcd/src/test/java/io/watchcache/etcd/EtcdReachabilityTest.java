package io.watchcache.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recovery after a long outage relies on resetting gRPC's reconnect backoff, on the managed
 * channel the type's calls run on: this fails the build when a jetcd upgrade changes that,
 * rather than letting recovery quietly fall back to gRPC's own backoff (up to two minutes).
 */
class EtcdReachabilityTest {

    @Test
    void theCallsRunOnTheJetcdClientsManagedChannelWhoseBackoffCanBeReset() {
        // No etcd needed: the channel exists before it connects anywhere.
        try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build()) {
            ManagedChannel channel = new EtcdCalls(client).channel();

            assertThat(channel).isNotNull();
            assertThat(channel.isShutdown()).isFalse();
            channel.resetConnectBackoff();
        }
    }
}
