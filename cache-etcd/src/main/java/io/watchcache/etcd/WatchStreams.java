package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Constants;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.etcd.jetcd.support.Util;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Many etcd watches on few gRPC streams: etcd is built for about 100 watches per stream, and
 * jetcd opens one stream (and sends one progress request) per watch. Each stream carries up to
 * {@link EtcdTypeOptions#watchesPerStream()} watches, created and cancelled as etcd watch ids on
 * it ({@code WatchCreateRequest} / {@code WatchCancelRequest}); closing a watch cancels its id,
 * and a stream with no watch left ends.
 *
 * <p>Health is judged per member, never per watch or stream: while every stream on a member has
 * been silent for {@code progress-interval}, one progress request goes to one of them, and every
 * stream on that member fails when the member does not answer within {@code progress-timeout}.
 * Any answer counts, events included, so a watch that is catching up (which etcd 3.5 may keep
 * from answering progress requests) does not make a busy member look frozen; one timer task
 * does it for all streams ({@link #checkStreams()}).
 *
 * <p>A failed stream re-creates each of its watches, at once the first time and after a
 * jittered backoff when that fails too, from that
 * watch's own next revision (the one after the last event it delivered): no read and no event
 * lost, though a few may come again (the content skips those). When the type hears from etcd
 * again ({@link #retryNow()}) the backoff ends at once.
 *
 * <p>A failover is not an outage. A member shutting down (GOAWAY), killed or frozen ends its
 * streams while the others answer; when every watch of a failed stream is re-created and
 * confirmed within {@link EtcdTypeOptions#failoverGrace()}, the watches never hear of it: the
 * failover is counted by reason ({@link #failovers(Reason)}) and logged at DEBUG. A watch still not
 * confirmed when the grace is over is {@linkplain Listener#interrupted interrupted}, with how
 * long ago its stream failed, so its lost contact counts from the failure. The first re-creation
 * after a failure is at once; within a grace, further tries come every 100-200 ms, not on the
 * doubling backoff. A leader killed takes
 * etcd one to two election timeouts to replace, and members answer "no leader" meanwhile: no write
 * can be committed then, so no watch falls behind, and a failover that sees that answer gets the
 * grace once more.
 *
 * <p>A new stream that does not confirm its first watch within the hedge delay is most likely on a
 * member that does not answer: its watches move to a new stream, which round robin places on
 * another member, without failing anyone (nothing was lost: each starts from the same revision).
 *
 * <p>The streams run on their connection's channel, with its credentials and namespace, so
 * they go where and as the type's reads go ({@link EtcdCalls}).
 *
 * <p>Locking: the monitor guards the streams and their watches (every field marked
 * {@code @GuardedBy}); it is never held while a listener runs. Error Prone checks each access
 * within an object; it cannot tell that another handle's, stream's or failover's enclosing
 * instance is this one (they never belong to another), so the methods that reach into them say
 * so with {@code @SuppressWarnings("GuardedBy")}.
 */
final class WatchStreams {

    private static final Logger log = LoggerFactory.getLogger(WatchStreams.class);
    private static final int MAX_REOPENS = 6;
    /** Backoff before re-creating the watches of a failed stream: doubling from the first, jittered. */
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY = Duration.ofSeconds(2);

    /**
     * How the streams reach etcd: the connection's namespace, a new watch stream, and the decoding of
     * its events ({@link EtcdCalls}; a fake in unit tests).
     */
    interface Transport {

        ByteSequence namespace();

        /** Starts a watch stream; {@code stream} hears its answers (and gets its request side first). */
        void open(ClientResponseObserver<WatchRequest, WatchResponse> stream, ClientInterceptor... interceptors);

        /** The events of a response, keys without the namespace; {@code own} is shared where a key equals it. */
        List<RangeContent.Change> decode(WatchResponse response, String own);
    }

    /**
     * What a watch hears. Called without any lock held, never concurrently for one watch. Each
     * call carries the tag the watch was made with ({@link #watch}), so one listener can tell
     * its watches apart (a watch re-made after a failure is a new one) and keep no object per watch.
     */
    interface Listener {

        /**
         * etcd confirmed the watch, at first or after it was re-created: a member with a leader
         * serves it.
         */
        void confirmed(int tag);

        /** Events of this watch, decoded (keys without the namespace), in etcd's order; never empty. */
        void changes(int tag, List<RangeContent.Change> changes);

        /**
         * The watch's stream failed ({@code error}, {@code silentFor} ago) and the watch was not
         * confirmed again within the failover grace; the watch goes on: it is re-created from its
         * next revision, and {@link #confirmed} follows when etcd has it again.
         */
        void interrupted(int tag, Throwable error, Duration silentFor);

        /**
         * etcd cancelled the watch, which has ended ({@code compacted}: its next revision was
         * compacted away, read again).
         */
        void cancelled(int tag, Throwable error, boolean compacted);
    }

    /** A watch on a shared stream. */
    final class Handle implements AutoCloseable {
        /**
         * The key or prefix as the entry names it: decoded keys equal to it share it. Its bytes
         * (namespace included) are made only to create the watch on etcd, never kept.
         */
        private final String own;
        private final boolean prefix;
        private final Listener listener;
        /** What the listener is told along with each call. */
        private final int tag;
        /** The revision to (re-)create the watch from: the one after the last event delivered. */
        @GuardedBy("WatchStreams.this")
        private long next;
        @GuardedBy("WatchStreams.this")
        private @Nullable Stream stream;
        @GuardedBy("WatchStreams.this")
        private long id = -1;
        @GuardedBy("WatchStreams.this")
        private boolean closed;
        /** The failover this watch is part of while it waits, within the grace, to be confirmed again. */
        @GuardedBy("WatchStreams.this")
        private @Nullable Failover failover;
        /** Its stream failed and it is not confirmed again yet. */
        @GuardedBy("WatchStreams.this")
        private boolean recreating;
        /** Told it was interrupted (the grace passed) and not confirmed since: further failures are told at once. */
        @GuardedBy("WatchStreams.this")
        private boolean toldInterrupted;

        private Handle(String own, boolean prefix, long next, int tag, Listener listener) {
            this.own = own;
            this.prefix = prefix;
            this.next = next;
            this.tag = tag;
            this.listener = listener;
        }

        @GuardedBy("WatchStreams.this")
        private WatchRequest createRequest() {
            ByteSequence ns = calls.namespace();
            ByteSequence bytes = EtcdCalls.bytes(own);
            WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder()
                    .setKey(Util.prefixNamespace(bytes, ns)).setStartRevision(next);
            if (prefix) {
                create.setRangeEnd(EtcdCalls.rangeEnd(bytes, ns));
            }
            return WatchRequest.newBuilder().setCreateRequest(create).build();
        }

        /** Cancels this watch's id on its stream; the stream ends when it was the last one. Idempotent. */
        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @Override
        public void close() {
            Failover done;
            synchronized (WatchStreams.this) {
                if (closed) {
                    return;
                }
                closed = true;
                done = settledLocked(this);
                Stream on = stream;
                stream = null;
                if (on != null) {
                    on.removeLocked(this);
                }
            }
            if (done != null) {
                done.count();
            }
        }
    }

    /** Why a stream failed, as the failover counter's {@code reason} tag says it. */
    enum Reason {
        /** The member is shutting down (GOAWAY) or the connection closed: an upgrade, a restart. */
        SHUTDOWN,
        /** The member has no leader (require-leader): it is cut off, or an election runs. */
        NO_LEADER,
        /** The member did not answer a progress request in time: frozen or overloaded. */
        UNRESPONSIVE,
        /** etcd ended the stream without an error. */
        ENDED,
        /** Any other error. */
        ERROR;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The reason for a stream's gRPC error. */
        static Reason of(Throwable error) {
            Status status = Status.fromThrowable(error);
            String description = String.valueOf(status.getDescription()).toLowerCase(Locale.ROOT);
            if (description.contains("no leader")) {
                return NO_LEADER;
            }
            return status.getCode() == Status.Code.UNAVAILABLE ? SHUTDOWN : ERROR;
        }
    }

    /**
     * The watches of one failed stream, waiting out the grace to be confirmed again. Counted as
     * a failover when the last of them is confirmed (or closed) in time; told as interrupted,
     * each, when the grace ends first.
     */
    private final class Failover {
        private final Throwable error;
        private final Reason reason;
        private final long failedNanos;
        private final List<Handle> watches = new ArrayList<>();
        @GuardedBy("WatchStreams.this")
        private int unconfirmed;
        @GuardedBy("WatchStreams.this")
        private boolean settled;
        @GuardedBy("WatchStreams.this")
        private @Nullable Future<?> graceEnd;
        /** A member answered a re-created watch "no leader": etcd is electing one. */
        @GuardedBy("WatchStreams.this")
        private boolean electing;
        /** The grace was extended once for an election. */
        @GuardedBy("WatchStreams.this")
        private boolean extended;

        Failover(Throwable error, Reason reason, long failedNanos) {
            this.error = error;
            this.reason = reason;
            this.failedNanos = failedNanos;
        }

        /** Counts this failover; called once, without the lock, when its last watch was confirmed. */
        void count() {
            failovers[reason.ordinal()].increment();
            if (log.isDebugEnabled()) {
                log.debug("A watch stream failed over ({}): its {} watches were confirmed again within {} ms",
                        reason.tag(), watches.size(),
                        TimeUnit.NANOSECONDS.toMillis(time.now() - failedNanos), error);
            }
        }

        /**
         * The grace is over: the watches not confirmed yet hear that they were interrupted. While
         * etcd elects a leader (a member answered "no leader"), nothing can be written, so no
         * watch can fall behind: an election that outlasts the grace gets it once more.
         */
        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        void graceOver() {
            List<Handle> late = new ArrayList<>();
            synchronized (WatchStreams.this) {
                if (settled) {
                    return;
                }
                if (electing && !extended) {
                    extended = true;
                    graceEnd = time.schedule(this::graceOver, options.failoverGrace());
                    return;
                }
                settled = true;
                openFailovers--;
                for (Handle handle : watches) {
                    if (handle.failover == this) {
                        handle.failover = null;
                        if (!handle.closed) {
                            handle.toldInterrupted = true;
                            late.add(handle);
                        }
                    }
                }
            }
            Duration silent = Duration.ofNanos(time.now() - failedNanos);
            log.debug("A watch stream failed ({}) and {} of its {} watches were not confirmed again within {} ms",
                    reason.tag(), late.size(), watches.size(), options.failoverGrace().toMillis(), error);
            for (Handle handle : late) {
                handle.listener.interrupted(handle.tag, error, silent);
            }
        }
    }

    /**
     * {@code handle} no longer waits to be confirmed (it was, or it closed): the failover it was
     * part of, when that was its last watch and the grace is not over; the caller counts it
     * after releasing the lock.
     */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    @GuardedBy("this")
    private @Nullable Failover settledLocked(Handle handle) {
        if (handle.recreating) {
            handle.recreating = false;
            recreating--;
        }
        Failover failover = handle.failover;
        handle.failover = null;
        if (failover == null || --failover.unconfirmed > 0 || failover.settled) {
            return null;
        }
        failover.settled = true;
        openFailovers--;
        if (failover.graceEnd != null) {
            failover.graceEnd.cancel(false);
        }
        return failover;
    }

    private final Transport calls;
    private final EtcdTypeOptions options;
    private final EtcdTime time;
    /** Failovers counted, by {@link Reason#ordinal()}. */
    private final LongAdder[] failovers = new LongAdder[Reason.values().length];
    @GuardedBy("this")
    private final List<Stream> streams = new ArrayList<>();
    /** Watches whose stream failed, not confirmed again yet. */
    @GuardedBy("this")
    private int recreating;
    /** Watches of failed streams, waiting out the backoff before they are re-created. */
    @GuardedBy("this")
    private final List<Handle> waiting = new ArrayList<>();
    @GuardedBy("this")
    private @Nullable Future<?> retry;
    /** Streams failed in a row with no answer from etcd in between: the backoff's exponent. */
    @GuardedBy("this")
    private int failuresInRow;
    /** Failovers within their grace: while there are any, further re-creations come every 100-200 ms. */
    @GuardedBy("this")
    private int openFailovers;
    /** The one timer task that judges every stream, while there are any. */
    @GuardedBy("this")
    private @Nullable Future<?> health;
    /** The connection closed: no stream opens again. */
    @GuardedBy("this")
    private boolean closed;
    private final LongAdder progressRequests = new LongAdder();

    WatchStreams(Transport calls, EtcdTypeOptions options) {
        this(calls, options, EtcdTime.system());
    }

    WatchStreams(Transport calls, EtcdTypeOptions options, EtcdTime time) {
        this.calls = calls;
        this.options = options;
        this.time = time;
        for (int i = 0; i < failovers.length; i++) {
            failovers[i] = new LongAdder();
        }
    }

    /** Failovers so far, by reason: failed streams whose watches were all confirmed again within the grace. */
    long failovers(Reason reason) {
        return failovers[reason.ordinal()].sum();
    }

    /**
     * Watches {@code key} (a prefix when {@code prefix}) from {@code fromRevision}; {@code listener}
     * hears of it with {@code tag}. The stream has require-leader set: a member cut off from the
     * leader cancels it rather than going quiet. Once the streams are closed, the watch ends at
     * once ({@link Listener#cancelled}).
     */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    Handle watch(String key, boolean prefix, long fromRevision, int tag, Listener listener) {
        Handle handle = new Handle(key, prefix, fromRevision, tag, listener);
        synchronized (this) {
            if (!closed) {
                placeLocked(handle);
                return handle;
            }
            handle.closed = true;
        }
        time.execute(() -> listener.cancelled(tag, closedError(), false));
        return handle;
    }

    /**
     * Ends every stream for good (the connection is closing): each watch still held has ended,
     * and hears so ({@link Listener#cancelled}); none is re-created, no failover is counted.
     * Idempotent.
     */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    void close() {
        List<Handle> ended = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Stream stream : new ArrayList<>(streams)) {
                for (Handle handle : stream.creating) {
                    if (!handle.closed) {
                        ended.add(handle);
                    }
                }
                ended.addAll(stream.byId.values());
                stream.creating.clear();
                stream.byId.clear();
                stream.endLocked("the etcd connection was closed");
            }
            for (Handle handle : waiting) {
                if (!handle.closed && handle.stream == null) {
                    ended.add(handle);
                }
            }
            waiting.clear();
            for (Handle handle : ended) {
                // Closed before any grace ends, so no failover tells or counts it.
                handle.closed = true;
                handle.stream = null;
                handle.failover = null;
            }
            recreating = 0;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
            if (health != null) {
                health.cancel(false);
                health = null;
            }
        }
        Throwable error = closedError();
        for (Handle handle : ended) {
            handle.listener.cancelled(handle.tag, error, false);
        }
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("the etcd connection is closed");
    }

    /** Puts a watch on the first stream with room, or on a new one. */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    @GuardedBy("this")
    private void placeLocked(Handle handle) {
        Stream target = null;
        for (Stream candidate : streams) {
            if (candidate.size() < options.watchesPerStream()) {
                target = candidate;
                break;
            }
        }
        if (target == null) {
            target = new Stream(0);
            streams.add(target);
        }
        target.addLocked(handle);
    }

    /**
     * etcd answers again (the type's reads or probe say so): the watches waiting out a backoff
     * are re-created now.
     */
    void retryNow() {
        synchronized (this) {
            failuresInRow = 0;
            if (waiting.isEmpty()) {
                return;
            }
            if (retry != null) {
                retry.cancel(false);
            }
            retry = null;
        }
        time.execute(this::recreate);
    }

    /** Re-creates the waiting watches, each from its own next revision. */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    private void recreate() {
        synchronized (this) {
            retry = null;
            if (closed) {
                return;
            }
            for (Handle handle : waiting) {
                if (!handle.closed && handle.stream == null) {
                    placeLocked(handle);
                }
            }
            waiting.clear();
        }
    }

    /** The interrupted watches wait out a jittered, doubling backoff; one timer task for all of them. */
    @GuardedBy("this")
    private void awaitRetryLocked(List<Handle> interrupted) {
        if (closed) {
            return;
        }
        waiting.addAll(interrupted);
        if (retry != null || waiting.isEmpty()) {
            return;
        }
        if (failuresInRow++ == 0) {
            // The first failure since etcd last answered: one member left (an upgrade, a crash)
            // and the others are there now. Every event written until the watch is back reaches
            // its listener that much later, so the first try is at once (streams wait for a ready
            // connection, so a cluster that is all down costs no spin).
            retry = time.schedule(this::recreate, Duration.ZERO);
            return;
        }
        // Within a grace the next member (or the new leader) is due any moment: keep trying often.
        int exponent = openFailovers > 0 ? Math.min(failuresInRow - 2, 1) : Math.min(failuresInRow - 2, 16);
        long ceiling = Math.min(MAX_RETRY.toNanos(), FIRST_RETRY.toNanos() << exponent);
        long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        retry = time.schedule(this::recreate, Duration.ofNanos(delay));
    }

    /** How many streams are open now (for tests and diagnostics). */
    synchronized int streamCount() {
        return streams.size();
    }

    /** How many watches the open streams carry (for tests and diagnostics). */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    synchronized int watchCount() {
        int count = 0;
        for (Stream stream : streams) {
            count += stream.live();
        }
        return count;
    }

    /** How many watches wait out the backoff before they are re-created (for tests and diagnostics). */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    synchronized int waitingCount() {
        int count = 0;
        for (Handle handle : waiting) {
            count += handle.closed ? 0 : 1;
        }
        return count;
    }

    /** How many watches lost their stream and are not confirmed again yet, waiting or being re-created. */
    synchronized int recreatingCount() {
        return recreating;
    }

    /** Progress requests sent so far (for tests and diagnostics). */
    long progressRequests() {
        return progressRequests.sum();
    }

    /** Starts the health task with the first stream. */
    @GuardedBy("this")
    private void checkStreamsLocked() {
        if (health == null) {
            Duration every = min(min(options.progressInterval(), options.progressTimeout()).dividedBy(2),
                    options.hedgeDelay());
            health = time.every(this::checkStreams, every);
        }
    }

    /**
     * The one health task of all streams. Liveness is judged per member, not per stream: streams
     * to one member share its connection and its fate, so while all of a member's streams are
     * silent for {@code progress-interval}, one progress request goes to one of them, and any
     * answer on any of its streams clears it; when none comes within {@code progress-timeout},
     * every stream on that member fails. A member whose streams carry events needs no request, so
     * the idle cost is a request per member and interval, however many streams there are. A new
     * stream that does not confirm its first watch within the hedge delay is opened again.
     */
    @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
    private void checkStreams() {
        List<Stream> unresponsive = new ArrayList<>();
        List<Long> silences = new ArrayList<>();
        synchronized (this) {
            long now = time.now();
            long hedge = options.hedgeDelay().toNanos();
            for (Stream stream : new ArrayList<>(streams)) {
                if (!stream.ended && !stream.answered && stream.reopens < MAX_REOPENS
                        && now - stream.openedNanos >= hedge) {
                    stream.reopenLocked();
                }
            }
            Map<Object, List<Stream>> byMember = new HashMap<>();
            for (Stream stream : streams) {
                byMember.computeIfAbsent(stream.memberKey(), k -> new ArrayList<>()).add(stream);
            }
            for (List<Stream> member : byMember.values()) {
                long heard = Long.MIN_VALUE;
                Stream asked = null;
                for (Stream stream : member) {
                    heard = Math.max(heard, stream.lastHeardNanos);
                    if (stream.progressAskedNanos != 0) {
                        asked = stream;
                    }
                }
                if (asked != null) {
                    if (heard - asked.progressAskedNanos > 0) {
                        // The member answered since: on this stream or another, it is alive.
                        asked.progressAskedNanos = 0;
                    } else if (now - asked.progressAskedNanos >= options.progressTimeout().toNanos()) {
                        for (Stream stream : member) {
                            unresponsive.add(stream);
                            silences.add(now - stream.lastHeardNanos);
                        }
                    }
                } else if (now - heard >= options.progressInterval().toNanos()) {
                    Stream probe = member.get(0);
                    for (Stream stream : member) {
                        if (stream.answered) {
                            probe = stream;
                            break;
                        }
                    }
                    probe.progressAskedNanos = now;
                    progressRequests.increment();
                    probe.writeLocked(WatchRequest.newBuilder()
                            .setProgressRequest(WatchProgressRequest.newBuilder()).build());
                }
            }
        }
        for (int i = 0; i < unresponsive.size(); i++) {
            unresponsive.get(i).fail(new TimeoutException("the member did not answer a progress request within "
                    + options.progressTimeout().toMillis() + " ms (silent for "
                    + TimeUnit.NANOSECONDS.toMillis(silences.get(i)) + " ms)"), Reason.UNRESPONSIVE);
        }
    }

    /**
     * Tells a stream which member serves it: the remote address of the call's connection, known
     * once the member sends the stream's headers (with its first answer).
     */
    private static final class MemberOf implements ClientInterceptor {
        private final Consumer<@Nullable SocketAddress> member;

        MemberOf(Consumer<@Nullable SocketAddress> member) {
            this.member = member;
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                                                     Channel next) {
            ClientCall<Q, A> call = next.newCall(method, options);
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata answered) {
                            member.accept(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                            super.onHeaders(answered);
                        }
                    }, headers);
                }
            };
        }
    }

    // ---- one gRPC stream; everything but the listeners runs under WatchStreams.this ----

    private final class Stream implements ClientResponseObserver<WatchRequest, WatchResponse> {

        /**
         * Watches whose create request was sent and not yet answered, in the order sent: etcd
         * answers creates in order, so the first "created" is the first of these. A watch closed
         * meanwhile stays here, so the order holds, and its id is cancelled when it comes.
         */
        @GuardedBy("WatchStreams.this")
        private final Deque<Handle> creating = new ArrayDeque<>();
        /** The confirmed watches; every call, and so every read of an id, is under WatchStreams.this. */
        @GuardedBy("WatchStreams.this")
        @SuppressWarnings("GuardedBy") // the id function runs under the lock, which a lambda cannot name
        private final ById<Handle> byId = new ById<>(handle -> handle.id);
        private final int reopens;
        @GuardedBy("WatchStreams.this")
        private @Nullable ClientCallStreamObserver<WatchRequest> requests;
        @GuardedBy("WatchStreams.this")
        private boolean started;
        @GuardedBy("WatchStreams.this")
        private boolean ended;
        @GuardedBy("WatchStreams.this")
        private boolean answered;
        @GuardedBy("WatchStreams.this")
        private long openedNanos;
        @GuardedBy("WatchStreams.this")
        private long lastHeardNanos;
        @GuardedBy("WatchStreams.this")
        private long progressAskedNanos;
        /** The member serving the stream (its connection's remote address), once it has answered. */
        private volatile @Nullable SocketAddress member;

        Stream(int reopens) {
            this.reopens = reopens;
        }

        /** Watches on the stream and those being created: its share of the capacity. */
        @GuardedBy("WatchStreams.this")
        int size() {
            return creating.size() + byId.size();
        }

        /** Watches that someone still holds. */
        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @GuardedBy("WatchStreams.this")
        int live() {
            int live = byId.size();
            for (Handle handle : creating) {
                live += handle.closed ? 0 : 1;
            }
            return live;
        }

        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @GuardedBy("WatchStreams.this")
        void addLocked(Handle handle) {
            handle.stream = this;
            creating.addLast(handle);
            if (!started) {
                started = true;
                openLocked();
            }
            writeLocked(handle.createRequest());
        }

        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @GuardedBy("WatchStreams.this")
        void removeLocked(Handle handle) {
            if (handle.id >= 0 && byId.remove(handle.id) != null) {
                writeLocked(WatchRequest.newBuilder()
                        .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(handle.id)).build());
            }
            if (live() == 0 && !ended) {
                endLocked("the last watch on the stream was closed");
            }
        }

        @GuardedBy("WatchStreams.this")
        private void openLocked() {
            openedNanos = time.now();
            lastHeardNanos = openedNanos;
            checkStreamsLocked();
            Metadata leader = new Metadata();
            leader.put(Constants.REQUIRE_LEADER_KEY, Constants.REQUIRE_LEADER_VALUE);
            try {
                // Starts the call; beforeStart hands over the request side before this returns.
                calls.open(this, MetadataUtils.newAttachHeadersInterceptor(leader),
                        new MemberOf(address -> member = address));
            } catch (RuntimeException e) {
                time.execute(() -> fail(e, Reason.ERROR));
            }
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
            synchronized (WatchStreams.this) {
                requests = call;
            }
        }

        /** Writes on the stream; gRPC only queues it, so this never waits for the member. */
        @GuardedBy("WatchStreams.this")
        private void writeLocked(WatchRequest request) {
            ClientCallStreamObserver<WatchRequest> call = requests;
            if (ended || call == null) {
                return;
            }
            try {
                call.onNext(request);
            } catch (RuntimeException e) {
                time.execute(() -> fail(e, Reason.ERROR));
            }
        }

        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @Override
        public void onNext(WatchResponse response) {
            Handle created = null;
            Handle target = null;
            Failover failedOver = null;
            synchronized (WatchStreams.this) {
                if (ended) {
                    return;
                }
                answered = true;
                failuresInRow = 0;
                lastHeardNanos = time.now();
                progressAskedNanos = 0;
                if (response.getCreated()) {
                    Handle handle = creating.pollFirst();
                    if (handle == null) {
                        return;
                    }
                    if (response.getCanceled() || response.getWatchId() < 0) {
                        handle.stream = null;
                        target = handle.closed ? null : handle;
                    } else if (handle.closed) {
                        handle.id = response.getWatchId();
                        writeLocked(WatchRequest.newBuilder()
                                .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(handle.id)).build());
                    } else {
                        handle.id = response.getWatchId();
                        byId.put(handle);
                        handle.toldInterrupted = false;
                        failedOver = settledLocked(handle);
                        created = handle;
                    }
                    if (live() == 0 && !ended) {
                        endLocked("the last watch on the stream was closed");
                    }
                } else if (response.getCanceled()) {
                    target = byId.remove(response.getWatchId());
                    if (target != null) {
                        target.stream = null;
                    }
                } else {
                    // Null for a stream-wide progress answer (watch id -1): it only says the member is alive.
                    target = byId.get(response.getWatchId());
                }
            }
            if (failedOver != null) {
                failedOver.count();
            }
            if (created != null) {
                created.listener.confirmed(created.tag);
            } else if (target != null && (response.getCanceled() || response.getCreated())) {
                boolean compacted = response.getCompactRevision() != 0;
                Throwable error = compacted ? EtcdExceptionFactory.newCompactedException(response.getCompactRevision())
                        : EtcdRefusals.cancelled(response.getCancelReason());
                target.listener.cancelled(target.tag, error, compacted);
            } else if (target != null && response.getEventsCount() > 0) {
                // Decoded here, outside the lock: values may be large.
                List<RangeContent.Change> changes = calls.decode(response, target.own);
                target.listener.changes(target.tag, changes);
                // Moved only once the listener has the events: a watch re-created meanwhile may
                // deliver some of them again (the content skips those), but never skips one.
                long last = response.getEvents(response.getEventsCount() - 1).getKv().getModRevision();
                synchronized (WatchStreams.this) {
                    target.next = Math.max(target.next, last + 1);
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            fail(error, Reason.of(error));
        }

        @Override
        public void onCompleted() {
            fail(new IllegalStateException("etcd ended the watch stream"), Reason.ENDED);
        }

        /**
         * The stream failed: every watch still held on it hears so, once, and waits to be
         * re-created on another stream.
         */
        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        private void fail(Throwable error, Reason reason) {
            List<Handle> lost = new ArrayList<>();
            List<Handle> tellNow = new ArrayList<>();
            Failover failover = new Failover(error, reason, time.now());
            synchronized (WatchStreams.this) {
                if (ended) {
                    return;
                }
                for (Handle handle : creating) {
                    if (!handle.closed) {
                        lost.add(handle);
                    }
                }
                lost.addAll(byId.values());
                creating.clear();
                byId.clear();
                boolean grace = !options.failoverGrace().isZero();
                for (Handle h : lost) {
                    h.stream = null;
                    h.id = -1;
                    if (!h.recreating) {
                        h.recreating = true;
                        recreating++;
                    }
                    if (h.toldInterrupted || !grace) {
                        // Already past a grace (or none is given): today's failure is news at once.
                        h.toldInterrupted = true;
                        tellNow.add(h);
                    } else if (h.failover == null) {
                        h.failover = failover;
                        failover.watches.add(h);
                        failover.unconfirmed++;
                    }
                    // A watch still within an earlier failover's grace keeps that one (the
                    // episode counts from its first failure); a "no leader" answer means etcd elects.
                    if (h.failover != null && reason == Reason.NO_LEADER) {
                        h.failover.electing = true;
                    }
                }
                endLocked("the stream failed");
                if (failover.unconfirmed > 0) {
                    openFailovers++;
                    failover.graceEnd = time.schedule(failover::graceOver, options.failoverGrace());
                }
                awaitRetryLocked(lost);
            }
            log.debug("A watch stream with {} watches failed ({}); re-creating them", lost.size(),
                    failover.reason.tag(), error);
            for (Handle handle : tellNow) {
                handle.listener.interrupted(handle.tag, error, Duration.ZERO);
            }
        }

        /** Ends the stream: no more writes, its timer task stops, and the gRPC call is cancelled. */
        @GuardedBy("WatchStreams.this")
        private void endLocked(String why) {
            ended = true;
            streams.remove(this);
            if (streams.isEmpty() && health != null) {
                health.cancel(false);
                health = null;
            }
            ClientCallStreamObserver<WatchRequest> call = requests;
            if (call != null) {
                // Cancels the call (RST_STREAM): etcd frees the stream and its watches at once.
                time.execute(() -> cancel(call, why));
            }
        }

        /** Streams on one member are judged together; one whose member is not known yet, alone. */
        Object memberKey() {
            SocketAddress on = member;
            return on == null ? this : on;
        }

        /**
         * Moves every watch of this new, silent stream to a new one, each starting where it asked
         * to: nothing was lost, so nobody is failed.
         */
        @SuppressWarnings("GuardedBy") // another watch's or stream's fields: see the class doc
        @GuardedBy("WatchStreams.this")
        private void reopenLocked() {
            List<Handle> moving = new ArrayList<>();
            for (Handle handle : creating) {
                if (!handle.closed) {
                    moving.add(handle);
                }
            }
            creating.clear();
            endLocked("not confirmed in time");
            log.debug("A watch stream was not confirmed within {} ms; opening it again",
                    options.hedgeDelay().toMillis());
            if (!moving.isEmpty()) {
                Stream next = new Stream(reopens + 1);
                streams.add(0, next);
                moving.forEach(next::addLocked);
            }
        }
    }

    private static void cancel(ClientCallStreamObserver<WatchRequest> call, String why) {
        try {
            call.cancel(why, null);
        } catch (RuntimeException ignored) {
            // Already ended.
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
