package io.watchcache.etcd;

import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The calls and watch streams of each etcd client, shared by every etcd type on it: the key type,
 * the prefix type and a configuration import on one client put their watches on the same gRPC
 * streams, rather than a set of streams per type. Types share when their options shape streams
 * alike (watches per stream, progress interval and timeout, hedge delay, failover grace); a type
 * with other options gets streams of its own on the same client.
 *
 * <p>Held weakly by client: the calls keep only the client's stubs, never the client, so the
 * streams go when the client does (a stream with no watch has already ended).
 */
final class ClientStreams {

    /** What the etcd types of one client share. */
    record Shared(EtcdCalls calls, WatchStreams streams) {
    }

    /** The options that shape streams; the endpoints are only named in messages. */
    private record Shape(int watchesPerStream, Duration progressInterval,
                         Duration progressTimeout, Duration hedgeDelay,
                         Duration failoverGrace) {

        static Shape of(EtcdTypeOptions options) {
            return new Shape(options.watchesPerStream(), options.progressInterval(), options.progressTimeout(),
                    options.hedgeDelay(), options.failoverGrace());
        }
    }

    private static final Map<Client, Map<Shape, Shared>> BY_CLIENT = new WeakHashMap<>();

    private ClientStreams() {
    }

    /** The calls and streams of {@code client} for types with {@code options}, on the system's time. */
    static synchronized Shared of(Client client, EtcdTypeOptions options) {
        return BY_CLIENT.computeIfAbsent(client, c -> new HashMap<>()).computeIfAbsent(Shape.of(options), shape -> {
            EtcdCalls calls = new EtcdCalls(client);
            return new Shared(calls, new WatchStreams(calls, options, EtcdTime.system()));
        });
    }
}
