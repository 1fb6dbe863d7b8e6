package io.watchcache.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
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
import io.grpc.Status;
import io.grpc.stub.AbstractStub;
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
import java.util.concurrent.TimeUnit;

/**
 * The etcd calls of one connection, made with etcd's gRPC stubs on its channel, with its
 * credentials and namespace ({@link EtcdConnection}): reads of a range, and the shared watch
 * streams' stub. Answers are decoded here ({@link #decode}), so protobuf goes no further.
 *
 * <p>Their callbacks run on the connection's few threads, not on gRPC's cached pool: that grows
 * a thread per concurrent answer, so the thousands of first reads of a large fleet left a
 * hundred threads behind. Every callback is short and never blocks (gRPC runs the callbacks of
 * one call in order, on whichever thread is free).
 *
 * <p>Except the answers of counts and summaries (no values): a consistent read waits on them,
 * and they are heard on the channel's own I/O thread, whose callback only completes a future
 * (decoding a summary is a few fields). A hop to the connection's threads there cost a consistent
 * read of one key some 25 µs, 8% of its latency. Reads of
 * values still hop: decoding a range of 10,000 keys would hold the I/O thread for milliseconds.
 */
final class EtcdCalls implements WatchStreams.Transport {

    private final ByteSequence namespace;
    private final EtcdConnection connection;
    /** The stubs, made by the first call (the connection sets its channel up then). */
    private volatile @Nullable Stubs stubs;

    /** {@code inline}: the reads heard on the I/O thread (counts and summaries). */
    private record Stubs(ManagedChannel channel, KVGrpc.KVStub kv, KVGrpc.KVStub inline, WatchGrpc.WatchStub watch) {
    }

    EtcdCalls(EtcdConnection connection) {
        this.namespace = connection.namespace();
        this.connection = connection;
    }

    private Stubs stubs() {
        Stubs made = stubs;
        if (made == null) {
            synchronized (this) {
                made = stubs;
                if (made == null) {
                    ManagedChannel channel = connection.channel();
                    KVGrpc.KVStub kv = stub(KVGrpc.newStub(channel), connection);
                    made = new Stubs(channel, kv, kv.withExecutor(Runnable::run),
                            stub(WatchGrpc.newStub(channel), connection));
                    stubs = made;
                }
            }
        }
        return made;
    }

    /** A stub as etcd's clients make theirs: the user's token, wait-for-ready as the builder says. */
    private static <T extends AbstractStub<T>> T stub(T stub, EtcdConnection connection) {
        T made = stub.withExecutor(connection.callbacks());
        if (connection.waitForReady()) {
            made = made.withWaitForReady();
        }
        EtcdToken token = connection.token();
        return token == null ? made : made.withCallCredentials(token);
    }

    /**
     * Reads {@code key} (every key under it when {@code prefix}), linearizably, failing after
     * {@code timeout} (the call is cancelled then, so a frozen member holds nothing of ours).
     */
    CompletableFuture<RangeResponse> range(ByteSequence key, boolean prefix, Duration timeout) {
        return range(key, prefix, Shape.VALUES, timeout);
    }

    /** Counts the keys at {@code key} (linearizably, no value sent): does etcd answer us? */
    CompletableFuture<RangeResponse> count(ByteSequence key, Duration timeout) {
        return range(key, false, Shape.COUNT, timeout);
    }

    /**
     * Summarizes {@code key} (the range under it when {@code prefix}) linearizably without its
     * values ({@link RangeContent.Summary}): etcd's revision, the number of keys, and the one
     * key with the newest mod revision, sent without its value.
     */
    CompletableFuture<RangeResponse> summary(ByteSequence key, boolean prefix, Duration timeout) {
        return range(key, prefix, Shape.SUMMARY, timeout);
    }

    /** What a read asks for. */
    enum Shape { VALUES, COUNT, SUMMARY }

    CompletableFuture<RangeResponse> range(ByteSequence key, boolean prefix, Shape shape, Duration timeout) {
        // A refused token (expired, or unknown to a restarted member) is dropped as the read
        // fails (EtcdToken); one more try logs in again rather than failing the entry for it.
        return rangeOnce(key, prefix, shape, timeout).exceptionallyCompose(error ->
                Status.fromThrowable(error).getCode() == Status.Code.UNAUTHENTICATED
                        ? rangeOnce(key, prefix, shape, timeout) : CompletableFuture.failedFuture(error));
    }

    private CompletableFuture<RangeResponse> rangeOnce(ByteSequence key, boolean prefix, Shape shape,
                                                       Duration timeout) {
        if (stubs == null) {
            // The first call sets gRPC, Netty and protobuf up (some 2,000 classes, hundreds of
            // milliseconds): on the connection's threads, not on the caller's, which may be the
            // application's main thread starting a watch during startup.
            return CompletableFuture.supplyAsync(() -> rangeNow(key, prefix, shape, timeout),
                    connection.callbacks()).thenCompose(answer -> answer);
        }
        return rangeNow(key, prefix, shape, timeout);
    }

    private CompletableFuture<RangeResponse> rangeNow(ByteSequence key, boolean prefix, Shape shape,
                                                      Duration timeout) {
        ByteSequence ns = namespace();
        RangeRequest.Builder request = RangeRequest.newBuilder().setKey(Util.prefixNamespace(key, ns))
                .setCountOnly(shape == Shape.COUNT);
        if (shape == Shape.SUMMARY) {
            // The count is of the whole range whatever the limit; the one key sent is the newest.
            request.setKeysOnly(true).setLimit(1).setSortOrder(RangeRequest.SortOrder.DESCEND)
                    .setSortTarget(RangeRequest.SortTarget.MOD);
        }
        if (prefix) {
            request.setRangeEnd(rangeEnd(key, ns));
        }
        KVGrpc.KVStub kv;
        try {
            kv = shape == Shape.VALUES ? stubs().kv() : stubs().inline();
        } catch (IllegalStateException closed) {
            return CompletableFuture.failedFuture(closed);
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

    /** A summary's answer ({@link #summary}), decoded. */
    static RangeContent.Summary summary(RangeResponse response) {
        long newest = response.getKvsCount() == 0 ? 0 : response.getKvs(0).getModRevision();
        return new RangeContent.Summary(response.getHeader().getRevision(), response.getCount(), newest);
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
        stubs().watch().withInterceptors(interceptors).watch(stream);
    }

    /** The connection's channel, which these calls run on: the one whose reconnect backoff the probe resets. */
    ManagedChannel channel() {
        return stubs().channel();
    }

    /** The namespace the connection prefixes keys with (empty for none). */
    @Override
    public ByteSequence namespace() {
        return namespace;
    }

    static ByteSequence bytes(String key) {
        return ByteSequence.from(key, StandardCharsets.UTF_8);
    }
}
