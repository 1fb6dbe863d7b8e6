package io.watchcache.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ClientInterceptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.watchcache.testing.ManualTime;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream supervisor on its own, with time moved by hand ({@link ManualTime}) and a fake
 * transport standing in for etcd: progress checks, the hedge on a new stream, re-creation
 * backoff and the failover grace, each to the millisecond, with nothing sleeping.
 */
class WatchStreamsSupervisorTest {

    private final ManualTime time = new ManualTime();
    private final FakeTransport etcd = new FakeTransport();
    private final EtcdTypeOptions options = EtcdTypeOptions.builder().build();
    private final WatchStreams streams = new WatchStreams(etcd, options, EtcdTime.of(time, time));

    @Test
    void aSilentMemberIsAskedForProgressOnceAndItsStreamFailsOverWhenItDoesNotAnswer() {
        HeardWatch a = new HeardWatch();
        HeardWatch b = new HeardWatch();
        streams.watch("a", false, 5, 0, a);
        streams.watch("b", false, 5, 0, b);
        FakeStream first = etcd.only();
        assertThat(first.creates()).containsExactly(5L, 5L);
        first.created(1);
        first.created(2);
        assertThat(a.confirmed).isOne();

        // Silent for the progress interval: one request for the stream's member.
        time.advance(options.progressInterval().minusMillis(1));
        assertThat(first.progressRequests()).isZero();
        time.advance(Duration.ofMillis(500));
        assertThat(first.progressRequests()).isOne();

        // No answer within the progress timeout: the stream fails, its watches wait out the backoff.
        time.advance(options.progressTimeout().minusMillis(500));
        assertThat(first.cancelled).isFalse();
        time.advance(Duration.ofMillis(1));
        assertThat(first.cancelled).isTrue();
        assertThat(streams.recreatingCount()).isEqualTo(2);
        FakeStream second = awaitOpened(2);
        assertThat(second.creates()).containsExactly(5L, 5L);

        // Confirmed within the grace: a failover nobody hears of, counted as such.
        second.created(3);
        second.created(4);
        assertThat(a.failures).isEmpty();
        assertThat(b.failures).isEmpty();
        assertThat(streams.recreatingCount()).isZero();
        assertThat(streams.failovers(WatchStreams.Reason.UNRESPONSIVE)).isOne();
        time.advance(options.failoverGrace());
        assertThat(a.failures).isEmpty();
    }

    @Test
    void aMemberThatAnswersOnAnyOfItsStreamsIsNotAskedAgainUntilSilentAgain() {
        streams.watch("a", false, 1, 0, new HeardWatch());
        FakeStream stream = etcd.only();
        stream.created(1);
        time.advance(options.progressInterval().plusMillis(500));
        assertThat(stream.progressRequests()).isOne();
        stream.progress();
        time.advance(options.progressInterval().minusMillis(600));
        assertThat(stream.cancelled).isFalse();
        assertThat(stream.progressRequests()).isOne();
        // An event counts as an answer too.
        stream.event(1, "a", "v", 2);
        time.advance(options.progressInterval().minusMillis(100));
        assertThat(stream.progressRequests()).isOne();
        assertThat(stream.cancelled).isFalse();
    }

    @Test
    void aNewStreamNotConfirmedWithinTheHedgeDelayIsOpenedAgainWithoutFailingAnyone() {
        HeardWatch a = new HeardWatch();
        streams.watch("a", false, 7, 0, a);
        FakeStream silent = etcd.only();

        time.advance(options.hedgeDelay());
        assertThat(silent.cancelled).isTrue();
        assertThat(etcd.opened).hasSize(2);
        assertThat(etcd.opened.get(1).creates()).containsExactly(7L);
        etcd.opened.get(1).created(1);
        assertThat(a.confirmed).isOne();
        assertThat(a.failures).isEmpty();
    }

    @Test
    void pastTheGraceEachWatchIsInterruptedWithHowLongAgoItsStreamFailedAndAnEventMovesWhereItResumes() {
        HeardWatch a = new HeardWatch();
        streams.watch("a", false, 5, 0, a);
        FakeStream first = etcd.only();
        first.created(1);
        first.event(1, "a", "v7", 7);
        assertThat(a.values).containsExactly("v7");

        first.fail(Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
        long failed = time.read();
        FakeStream second = awaitOpened(2);
        // Resumes after the last event delivered.
        assertThat(second.creates()).containsExactly(8L);
        // The member that took it never confirms (hedged to other streams that stay silent too).
        time.advance(options.failoverGrace().minusNanos(time.read() - failed).minusMillis(1));
        assertThat(a.failures).isEmpty();
        time.advance(Duration.ofMillis(1));
        assertThat(a.failures).hasSize(1);
        assertThat(a.silences).containsExactly(options.failoverGrace());
        assertThat(streams.failovers(WatchStreams.Reason.SHUTDOWN)).isZero();

        FakeStream last = etcd.opened.get(etcd.opened.size() - 1);
        last.created(9);
        assertThat(a.confirmed).isEqualTo(2);
        assertThat(streams.recreatingCount()).isZero();
    }

    @Test
    void withoutAGraceReCreationBacksOffDoublingWhileEveryNewStreamFailsAtOnce() {
        WatchStreams noGrace = new WatchStreams(etcd, EtcdTypeOptions.builder().failoverGrace(Duration.ZERO).build(),
                EtcdTime.of(time, time));
        noGrace.watch("a", false, 1, 0, new HeardWatch());
        etcd.only().created(1);
        List<Long> waits = failEveryNewStream(6);
        // The first try at once (the other members are there); then jittered within
        // [ceiling / 2, ceiling], the ceiling doubling from 100 ms.
        // (awaitOpened moves time a millisecond at a time: "at once" is the first tick)
        assertThat(waits.get(0)).as("wait after the first failure").isLessThanOrEqualTo(1L);
        for (int i = 1; i < waits.size(); i++) {
            long ceiling = Math.min(2_000, 100L << (i - 1));
            assertThat(waits.get(i)).as("wait after failure " + (i + 1)).isBetween(ceiling / 2, ceiling);
        }
    }

    @Test
    void withinTheGraceReCreationIsTriedEveryHundredToTwoHundredMilliseconds() {
        streams.watch("a", false, 1, 0, new HeardWatch());
        etcd.only().created(1);
        List<Long> waits = failEveryNewStream(6);
        assertThat(waits.get(0)).as("the first try, at once").isLessThanOrEqualTo(1L);
        assertThat(waits.subList(1, waits.size())).allSatisfy(wait -> assertThat(wait).isBetween(50L, 200L));
    }

    @Test
    void anElectionThatOutlastsTheGraceGetsItOnceMoreAndTheWatchesNeverHearOfIt() {
        HeardWatch a = new HeardWatch();
        streams.watch("a", false, 1, 0, a);
        etcd.only().created(1);
        // The leader is killed: the stream drops, and the members left answer "no leader" a while.
        etcd.only().fail(Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
        long failed = time.read();
        while (time.read() - failed < options.failoverGrace().toNanos() + Duration.ofMillis(500).toNanos()) {
            FakeStream current = awaitOpened(etcd.opened.size() + 1);
            current.fail(Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException());
        }
        assertThat(a.failures).as("interruptions told within the extended grace").isEmpty();
        // A leader is elected: the next attempt is confirmed.
        awaitOpened(etcd.opened.size() + 1).created(2);
        assertThat(a.failures).isEmpty();
        assertThat(streams.failovers(WatchStreams.Reason.SHUTDOWN)).isOne();
        time.advance(options.failoverGrace().multipliedBy(2));
        assertThat(a.failures).isEmpty();
    }

    @Test
    void anElectionThatNeverEndsIsLostContactAfterTwiceTheGraceCountedFromTheFailure() {
        HeardWatch a = new HeardWatch();
        streams.watch("a", false, 1, 0, a);
        etcd.only().created(1);
        etcd.only().fail(Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException());
        long failed = time.read();
        while (a.failures.isEmpty()) {
            FakeStream current = awaitOpened(etcd.opened.size() + 1);
            current.fail(Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException());
        }
        // Told once twice the grace had passed, with the silence counted from the first failure.
        assertThat(a.silences.get(0)).isEqualTo(options.failoverGrace().multipliedBy(2));
        assertThat(time.read() - failed).isLessThanOrEqualTo(options.failoverGrace().multipliedBy(2).toNanos()
                + Duration.ofMillis(200).toNanos());
    }

    /** Fails each new stream as soon as it opens, {@code times} times; returns the ms waited for each. */
    private List<Long> failEveryNewStream(int times) {
        List<Long> waits = new ArrayList<>();
        for (int failure = 0; failure < times; failure++) {
            FakeStream current = etcd.opened.get(etcd.opened.size() - 1);
            current.fail(Status.UNAVAILABLE.asRuntimeException());
            long before = time.read();
            awaitOpened(etcd.opened.size() + 1);
            waits.add(Duration.ofNanos(time.read() - before).toMillis());
        }
        return waits;
    }

    @Test
    void aRefusedWatchIsCancelledWithAPermissionDeniedStatus() {
        HeardWatch a = new HeardWatch();
        streams.watch("secret", false, 1, 0, a);
        etcd.only().respond(WatchResponse.newBuilder().setCreated(true).setCanceled(true).setWatchId(1)
                .setCancelReason("etcdserver: permission denied").build());
        assertThat(a.cancelled).hasSize(1);
        assertThat(EtcdRefusals.isRefusal(a.cancelled.get(0))).isTrue();
    }

    /** Moves time a millisecond at a time until the {@code n}-th stream opens; returns it. */
    private FakeStream awaitOpened(int n) {
        for (int ms = 0; ms < 10_000 && etcd.opened.size() < n; ms++) {
            time.advance(Duration.ofMillis(1));
        }
        assertThat(etcd.opened).hasSizeGreaterThanOrEqualTo(n);
        return etcd.opened.get(n - 1);
    }

    /** Stands in for etcd: records the streams opened and what was written on them. */
    static final class FakeTransport implements WatchStreams.Transport {
        final List<FakeStream> opened = new CopyOnWriteArrayList<>();

        FakeStream only() {
            assertThat(opened).hasSize(1);
            return opened.get(0);
        }

        @Override
        public ByteSequence namespace() {
            return ByteSequence.EMPTY;
        }

        @Override
        public void open(ClientResponseObserver<WatchRequest, WatchResponse> stream,
                         ClientInterceptor... interceptors) {
            FakeStream fake = new FakeStream(stream);
            opened.add(fake);
            stream.beforeStart(fake.call);
        }

        @Override
        public List<RangeContent.Change> decode(WatchResponse response, String own) {
            List<RangeContent.Change> changes = new ArrayList<>();
            for (Event event : response.getEventsList()) {
                KeyValue kv = event.getKv();
                changes.add(new RangeContent.Change(kv.getKey().toStringUtf8(),
                        new RangeContent.Item(kv.getValue().toStringUtf8(), kv.getModRevision()), kv.getModRevision()));
            }
            return changes;
        }
    }

    /** One fake watch stream: what was written on it, and answers the test sends. */
    static final class FakeStream {
        final ClientResponseObserver<WatchRequest, WatchResponse> observer;
        final List<WatchRequest> written = new CopyOnWriteArrayList<>();
        volatile boolean cancelled;
        final ClientCallStreamObserver<WatchRequest> call = new ClientCallStreamObserver<>() {
            @Override
            public void cancel(@Nullable String message, @Nullable Throwable cause) {
                cancelled = true;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setOnReadyHandler(Runnable onReadyHandler) {
            }

            @Override
            public void request(int count) {
            }

            @Override
            public void setMessageCompression(boolean enable) {
            }

            @Override
            public void disableAutoInboundFlowControl() {
            }

            @Override
            public void onNext(WatchRequest value) {
                written.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };

        FakeStream(ClientResponseObserver<WatchRequest, WatchResponse> observer) {
            this.observer = observer;
        }

        /** The start revisions of the create requests written, in order. */
        List<Long> creates() {
            return written.stream().filter(WatchRequest::hasCreateRequest)
                    .map(r -> r.getCreateRequest().getStartRevision()).toList();
        }

        long progressRequests() {
            return written.stream().filter(WatchRequest::hasProgressRequest).count();
        }

        void respond(WatchResponse response) {
            observer.onNext(response);
        }

        void created(long watchId) {
            respond(WatchResponse.newBuilder().setCreated(true).setWatchId(watchId).build());
        }

        void progress() {
            respond(WatchResponse.newBuilder().setWatchId(-1).build());
        }

        void event(long watchId, String key, String value, long revision) {
            respond(WatchResponse.newBuilder().setWatchId(watchId).addEvents(Event.newBuilder()
                    .setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
                            .setKey(ByteString.copyFromUtf8(key))
                            .setValue(ByteString.copyFromUtf8(value))
                            .setModRevision(revision))).build());
        }

        void fail(Throwable error) {
            observer.onError(error);
        }
    }
}
