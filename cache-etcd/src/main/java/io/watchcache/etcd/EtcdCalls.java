package io.watchcache.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.support.Util;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The etcd calls of one client, made with etcd's gRPC stubs on the jetcd client's own channel,
 * credentials and namespace ({@link JetcdInternals}): reads of a range, and the shared watch
 * streams' stub. Answers are decoded here ({@link #decode}), so protobuf goes no further.
 *
 * <p>Their callbacks run on {@link #CALLBACKS}, a few threads of ours, not on jetcd's and gRPC's
 * cached pools: those grow a thread per concurrent answer, so the thousands of first reads of a
 * large fleet left a hundred threads behind. Every callback is short and never blocks (gRPC runs
 * the callbacks of one call in order, on whichever thread is free).
 */
final class EtcdCalls implements WatchStreams.Transport {

    /** Threads for the callbacks of every type's calls; each ends after {@link EtcdTimer#IDLE} without work. */
    static final Executor CALLBACKS = callbacks();

    private final ByteSequence namespace;
    private final KVGrpc.KVStub kv;
    private final WatchGrpc.WatchStub watch;

    /** The client's stubs and namespace, taken now: the calls keep no reference to the client itself. */
    EtcdCalls(Client client) {
        this.namespace = JetcdInternals.namespace(client);
        this.kv = JetcdInternals.stub(client, KVGrpc::newStub).withExecutor(CALLBACKS);
        this.watch = JetcdInternals.stub(client, WatchGrpc::newStub).withExecutor(CALLBACKS);
    }

    /**
     * Reads {@code key} (every key under it when {@code prefix}), linearizably, failing after
     * {@code timeout} (the call is cancelled then, so a frozen member holds nothing of ours).
     */
    CompletableFuture<RangeResponse> range(ByteSequence key, boolean prefix, Duration timeout) {
        ByteSequence ns = namespace();
        RangeRequest.Builder request = RangeRequest.newBuilder().setKey(Util.prefixNamespace(key, ns));
        if (prefix) {
            request.setRangeEnd(rangeEnd(key, ns));
        }
        CompletableFuture<RangeResponse> answer = new CompletableFuture<>();
        kv.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).range(request.build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(RangeResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        answer.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(new IllegalStateException("etcd answered a read with nothing"));
                    }
                });
        return answer;
    }

    /** The end of the range of keys under {@code prefix}, namespace included. */
    static ByteString rangeEnd(ByteSequence prefix, ByteSequence namespace) {
        return Util.prefixNamespaceToRangeEnd(OptionsUtil.prefixEndOf(prefix), namespace);
    }

    /** A key as etcd sends it, without the namespace, as a string. */
    private String key(ByteString key) {
        int ns = namespace().size();
        return ns == 0 ? key.toStringUtf8() : key.substring(ns).toStringUtf8();
    }

    /**
     * A key etcd sent, decoded; {@code own} (the entry's key, a key type's only one) is kept once
     * rather than once more per value.
     */
    private String key(ByteString key, String own) {
        String decoded = key(key);
        return decoded.equals(own) ? own : decoded;
    }

    /** What a read found: key to value and mod revision, and the revision it was read at. */
    record RangeRead(NavigableMap<String, RangeContent.Item> items, long revision) {
    }

    /** A read's answer, decoded: protobuf goes no further than the calls. */
    RangeRead decode(RangeResponse response, String own) {
        NavigableMap<String, RangeContent.Item> items = new TreeMap<>();
        for (KeyValue kv : response.getKvsList()) {
            items.put(key(kv.getKey(), own), new RangeContent.Item(kv.getValue().toStringUtf8(), kv.getModRevision()));
        }
        return new RangeRead(items, response.getHeader().getRevision());
    }

    /** A watch's events, decoded; a delete's key-value carries the delete's revision as its mod revision. */
    @Override
    public List<RangeContent.Change> decode(WatchResponse response, String own) {
        List<RangeContent.Change> changes = new ArrayList<>(response.getEventsCount());
        for (Event event : response.getEventsList()) {
            KeyValue kv = event.getKv();
            switch (event.getType()) {
                case PUT -> changes.add(new RangeContent.Change(key(kv.getKey(), own),
                        new RangeContent.Item(kv.getValue().toStringUtf8(), kv.getModRevision()), kv.getModRevision()));
                case DELETE -> changes.add(new RangeContent.Change(key(kv.getKey(), own), null, kv.getModRevision()));
                default -> { }
            }
        }
        return changes;
    }

    @Override
    public void open(ClientResponseObserver<WatchRequest, WatchResponse> stream, ClientInterceptor... interceptors) {
        watch.withInterceptors(interceptors).watch(stream);
    }

    /**
     * The client's channel, which these calls run on: the one whose reconnect backoff the
     * reachability probe resets. Null if the client's stubs are not on a managed channel.
     */
    @Nullable ManagedChannel channel() {
        return watch.getChannel() instanceof ManagedChannel managed ? managed : null;
    }

    /** The namespace the client prefixes keys with (empty for none). */
    @Override
    public ByteSequence namespace() {
        return namespace;
    }

    static ByteSequence bytes(String key) {
        return ByteSequence.from(key, StandardCharsets.UTF_8);
    }

    private static Executor callbacks() {
        int threads = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, EtcdTimer.IDLE.toNanos(),
                TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "watchcache-etcd-calls-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
