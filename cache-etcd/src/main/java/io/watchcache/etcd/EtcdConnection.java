package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection to an etcd cluster, for the etcd cache types: a gRPC channel of its own, set up
 * from a jetcd {@link ClientBuilder} as jetcd sets up its own (endpoints and their name
 * resolution, TLS, authority, keepalive, connect timeout, load balancing, headers and
 * interceptors, the user's token and its renewal, the namespace), and the watch streams every
 * type on it shares.
 *
 * <pre>{@code
 * try (EtcdConnection etcd = EtcdConnection.of(Client.builder().endpoints("http://127.0.0.1:2379"))) {
 *     TypedCache<CacheRequest, Optional<String>> flags = cache.register("flags", new EtcdKeyType(etcd));
 *     etcd.client().getKVClient().put(...);   // the application's own calls
 * }
 * }</pre>
 *
 * <p>The types do not use jetcd's client: it opens one gRPC stream per watch and keeps its
 * channel to itself, where the types put up to {@link EtcdTypeOptions#watchesPerStream()}
 * watches on a stream and reset the channel's reconnect backoff when etcd answers again.
 * {@link #client()} is a jetcd client from the same builder, for the application's own calls,
 * made on first use (its own channel) and closed with the connection.
 *
 * <p>Nothing of gRPC is set up until the first call needs the channel: an application that
 * declares types but reads nothing at startup loads none of it, and one that reads at startup
 * sets the channel up on the thread of its first read.
 *
 * <p>Closing the connection ends its streams (the types' watches fail, as for any lost stream,
 * and are not re-created), its channel, its client and its callback threads. Close it after the
 * caches that use it.
 */
public final class EtcdConnection implements AutoCloseable {

    private final ClientBuilder builder;
    private final ByteSequence namespace;
    /** Where the callbacks of the connection's calls run: a few threads, ending when idle, shut down on close. */
    private final ThreadPoolExecutor callbacks;

    @GuardedBy("this")
    private final Map<Shape, Shared> shared = new HashMap<>();
    @GuardedBy("this")
    private @Nullable Client client;
    /** The calls of {@link #readPrefix}, made on first use. */
    @GuardedBy("this")
    private @Nullable EtcdCalls reads;
    /** The channel and the token it carries, set up by the first call that needs them. */
    @GuardedBy("this")
    private @Nullable Wire wire;
    @GuardedBy("this")
    private boolean closed;

    /** The channel, and the user's token on it (null without a user). */
    private record Wire(ManagedChannel channel, @Nullable EtcdToken token) {
    }

    private EtcdConnection(ClientBuilder builder) {
        this.builder = builder;
        this.namespace = builder.namespace() == null ? ByteSequence.EMPTY : builder.namespace();
        this.callbacks = newCallbacks();
    }

    /** The channel and token, set up now if this is the first call that needs them. */
    private synchronized Wire wire() {
        if (closed) {
            throw new IllegalStateException("the etcd connection is closed");
        }
        if (wire == null) {
            NettyChannelBuilder channel = channel(builder).executor(callbacks);
            EtcdToken token = builder.user() != null && builder.password() != null ? new EtcdToken(builder) : null;
            if (token != null) {
                channel.intercept(token.refusals());
            }
            ManagedChannel built = channel.build();
            if (token != null) {
                // The login itself goes without the token, on the same channel.
                token.logInOn(built);
            }
            wire = new Wire(built, token);
        }
        return wire;
    }

    /**
     * A connection set up as {@code builder} would set up a jetcd client (a copy is kept: later
     * changes to {@code builder} do not reach it). Nothing connects until the first call.
     *
     * @throws IllegalArgumentException when the builder names no endpoint
     */
    public static EtcdConnection of(ClientBuilder builder) {
        Objects.requireNonNull(builder, "builder");
        if (builder.target() == null) {
            throw new IllegalArgumentException("the etcd client builder names no endpoint");
        }
        return new EtcdConnection(builder.copy());
    }

    /**
     * A jetcd client from the same builder, for the application's own calls (writes,
     * transactions, leases): made on first use, closed with this connection.
     *
     * @throws IllegalStateException when the connection is closed
     */
    public synchronized Client client() {
        if (closed) {
            throw new IllegalStateException("the etcd connection is closed");
        }
        if (client == null) {
            client = builder.copy().build();
        }
        return client;
    }

    /**
     * Every key under {@code prefix} now and the revision it was read at, read linearizably on
     * the types' channel, failing after {@code timeout}. This is how a configuration import
     * reads at startup: no jetcd client is made for it.
     *
     * @throws IllegalStateException when the connection is closed
     */
    public CompletableFuture<PrefixSnapshot> readPrefix(String prefix, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        EtcdCalls calls;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the etcd connection is closed");
            }
            calls = reads == null ? reads = new EtcdCalls(this) : reads;
        }
        EtcdCalls made = calls;
        return calls.range(EtcdCalls.bytes(prefix), true, timeout).thenApply(response -> {
            EtcdCalls.RangeRead read = made.decode(response, "");
            TreeMap<String, String> entries = new TreeMap<>();
            read.items().forEach((key, item) -> entries.put(key, item.value()));
            return new PrefixSnapshot(entries, PrefixSnapshot.diff(Map.of(), entries), read.revision(), 0);
        });
    }

    /**
     * The channel the types' calls and streams run on, set up on first use.
     *
     * @throws IllegalStateException when the connection is closed
     */
    ManagedChannel channel() {
        return wire().channel();
    }

    /** Whether the channel has been set up (by a first call); for tests. */
    synchronized boolean channelSetUp() {
        return wire != null;
    }

    /** The namespace keys are prefixed with (empty for none). */
    ByteSequence namespace() {
        return namespace;
    }

    /** The credentials calls carry: the user's token, or null without a user. */
    @Nullable EtcdToken token() {
        return wire().token();
    }

    boolean waitForReady() {
        return builder.waitForReady();
    }

    ExecutorService callbacks() {
        return callbacks;
    }

    /** What the etcd types of one connection share. */
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

    /**
     * The calls and streams for types with {@code options}, on the system's time: types whose
     * options shape streams alike (watches per stream, progress interval and timeout, hedge
     * delay, failover grace) share them; a type with other options gets its own streams on the
     * same channel.
     *
     * @throws IllegalStateException when the connection is closed
     */
    synchronized Shared shared(EtcdTypeOptions options) {
        if (closed) {
            throw new IllegalStateException("the etcd connection is closed");
        }
        return shared.computeIfAbsent(Shape.of(options), shape -> {
            EtcdCalls calls = new EtcdCalls(this);
            return new Shared(calls, new WatchStreams(calls, options, EtcdTime.system()));
        });
    }

    /** Ends the streams, the channel, the client (if made) and the callback threads. Idempotent. */
    @Override
    public void close() {
        Client made;
        List<Shared> streams;
        Wire set;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            made = client;
            client = null;
            streams = new ArrayList<>(shared.values());
            shared.clear();
            set = wire;
        }
        streams.forEach(s -> s.streams().close());
        if (set != null) {
            set.channel().shutdownNow();
        }
        if (made != null) {
            made.close();
        }
        // The cancelled calls' last callbacks run on our threads: let them, briefly, before the
        // threads go (a callback refused by a shut-down pool is an error in gRPC's log).
        try {
            if (set != null) {
                set.channel().awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callbacks.shutdown();
    }

    /** The endpoints, as the builder resolves them (no user, no password). */
    @Override
    public String toString() {
        return "EtcdConnection[" + builder.target() + "]";
    }

    /** A channel builder with {@code builder}'s settings, as jetcd makes its own. */
    private static NettyChannelBuilder channel(ClientBuilder builder) {
        // The target is jetcd's ("ip:///host:port,..."), resolved by the name resolvers jetcd registers.
        NettyChannelBuilder channel = NettyChannelBuilder.forTarget(builder.target());
        if (builder.authority() != null) {
            channel.overrideAuthority(builder.authority());
        }
        if (builder.maxInboundMessageSize() != null) {
            channel.maxInboundMessageSize(builder.maxInboundMessageSize());
        }
        if (builder.sslContext() != null) {
            channel.negotiationType(NegotiationType.TLS).sslContext(builder.sslContext());
        } else {
            channel.negotiationType(NegotiationType.PLAINTEXT);
        }
        if (builder.keepaliveTime() != null) {
            channel.keepAliveTime(builder.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (builder.keepaliveTimeout() != null) {
            channel.keepAliveTimeout(builder.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (builder.keepaliveWithoutCalls() != null) {
            channel.keepAliveWithoutCalls(builder.keepaliveWithoutCalls());
        }
        if (builder.connectTimeout() != null) {
            channel.withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) builder.connectTimeout().toMillis());
        }
        // Buffers from the JVM's memory as each message needs them, not from Netty's pools: a
        // pool's arenas hold chunks of megabytes for the life of the process (about 20 MiB more
        // resident memory for one connection), and a cache's traffic is a few messages a second.
        channel.withOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT);
        // Round robin, as jetcd 0.8.7 defaults to: a new stream goes to the next member, which is
        // what moves the watches of a frozen member's streams elsewhere (pick_first would keep
        // every call on the one connection until keepalive gives up on it).
        channel.defaultLoadBalancingPolicy(builder.loadBalancerPolicy() != null
                ? builder.loadBalancerPolicy() : "round_robin");
        List<ClientInterceptor> interceptors = new ArrayList<>();
        Map<Metadata.Key<?>, Object> headers = builder.headers();
        if (headers != null && !headers.isEmpty()) {
            interceptors.add(MetadataUtils.newAttachHeadersInterceptor(metadata(headers)));
        }
        if (builder.interceptors() != null) {
            interceptors.addAll(builder.interceptors());
        }
        return channel.intercept(interceptors);
    }

    /** Headers as gRPC metadata. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Metadata metadata(Map<Metadata.Key<?>, Object> headers) {
        Metadata metadata = new Metadata();
        headers.forEach((key, value) -> metadata.put((Metadata.Key) key, value));
        return metadata;
    }

    private static ThreadPoolExecutor newCallbacks() {
        int threads = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, EtcdTimer.IDLE.toNanos(),
                TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "watchcache-etcd-calls-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                },
                // After close, the last callbacks of cancelled calls (a stream still connecting,
                // say) run where they are handed in: each is short, and refusing one is an error
                // in gRPC's own log and a RejectedExecutionException on the thread that drains it.
                (task, refused) -> task.run());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
