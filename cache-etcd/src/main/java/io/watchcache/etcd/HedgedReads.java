package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.RangeResponse;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * A type's reads of a range, hedged against a member that answers nothing. A frozen member
 * (SIGSTOP, a network black hole) accepts requests and answers none, and gRPC's round robin
 * keeps sending it every third call; so a read with no answer after the hedge delay is sent
 * again, and again, until one answers or the request timeout passes, and the first answer wins.
 *
 * <p>Extra attempts come from a budget of {@value #MAX_HEDGES} in flight per type. A member that
 * is slow because thousands of entries read at once (a large fleet starting) would otherwise
 * get each read again every hedge delay: 5,000 reads became 60,000 calls in flight.
 *
 * <p>At most {@value #MAX_READS} reads of a type are in flight; the others wait their turn, in
 * order, and their request timeout starts when they are sent. 100,000 entries starting (or
 * retrying together once etcd answers again) sent 100,000 linearizable reads at once: on three
 * members sharing two cores the leader missed its heartbeats, every stream failed with "no
 * leader", and the retries came back as one more wave.
 */
final class HedgedReads {

    static final int MAX_HEDGES = 64;
    static final int MAX_READS = 256;

    private final EtcdCalls calls;
    private final EtcdTypeOptions options;
    private final EtcdTime time;
    private final Semaphore budget = new Semaphore(MAX_HEDGES);
    private final Semaphore reads = new Semaphore(MAX_READS);
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    /** Reads waiting for their turn: kept beside the queue, whose size() walks it. */
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder hedges = new LongAdder();

    HedgedReads(EtcdCalls calls, EtcdTypeOptions options, EtcdTime time) {
        this.calls = calls;
        this.options = options;
        this.time = time;
    }

    /**
     * Reads {@code key} (the range under it when {@code prefix}), decoded; fails after the request
     * timeout. No attempt is added once {@code wanted} says the answer is no longer needed.
     */
    CompletableFuture<EtcdCalls.RangeRead> read(String key, boolean prefix, BooleanSupplier wanted) {
        CompletableFuture<EtcdCalls.RangeRead> result = new CompletableFuture<>();
        ByteSequence bytes = EtcdCalls.bytes(key);
        // Runs only inside sendWaiting's loop, holding one of the permits.
        Runnable send = () -> {
            if (!wanted.getAsBoolean()) {
                // The loop goes on to the next one: releasing is enough (calling done() would
                // recurse once per abandoned read, and a closing cache abandons thousands).
                reads.release();
                result.completeExceptionally(new CancellationException("the read is no longer needed"));
                return;
            }
            CompletableFuture<RangeResponse> answer = hedged(bytes, prefix, EtcdCalls.Shape.VALUES, wanted);
            BiConsumer<RangeResponse, Throwable> finish = (response, error) -> {
                done();
                if (error == null) {
                    try {
                        result.complete(calls.decode(response, key));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                } else {
                    result.completeExceptionally(error);
                }
            };
            if (answer.isDone()) {
                // Failed at once (a closed connection): finish elsewhere, or sending the waiting reads
                // would recurse once per read.
                time.execute(() -> answer.whenComplete(finish));
            } else {
                answer.whenComplete(finish);
            }
        };
        // Always through the queue: reads go in the order they came.
        queued.incrementAndGet();
        waiting.add(send);
        sendWaiting();
        return result;
    }

    /**
     * Summarizes {@code key} ({@link EtcdCalls#summary}): hedged like a read, but not queued
     * behind the reads of whole ranges, since it carries no value. Fails after the request timeout.
     */
    CompletableFuture<RangeContent.Summary> summary(String key, boolean prefix, BooleanSupplier wanted) {
        return hedged(EtcdCalls.bytes(key), prefix, EtcdCalls.Shape.SUMMARY, wanted).thenApply(EtcdCalls::summary);
    }

    /**
     * Counts the keys under {@code key} (one key unless {@code prefix}), linearizably: etcd's
     * revision and the count (a summary without its newest revision, {@code -1}). etcd counts from
     * its in-memory index, without reading a value (one key: without walking a range); hedged
     * like a summary.
     */
    CompletableFuture<RangeContent.Summary> count(String key, boolean prefix, BooleanSupplier wanted) {
        return hedged(EtcdCalls.bytes(key), prefix, EtcdCalls.Shape.COUNT, wanted).thenApply(response ->
                new RangeContent.Summary(response.getHeader().getRevision(), response.getCount(), -1));
    }

    /** Reads waiting for their turn now. */
    int queued() {
        return queued.get();
    }

    /** Extra attempts sent so far, to a read that had no answer within the hedge delay. */
    long hedges() {
        return hedges.sum();
    }

    private void done() {
        reads.release();
        sendWaiting();
    }

    /** Sends waiting reads while there is room; whoever frees room (or queues a read) calls it. */
    private void sendWaiting() {
        while (!waiting.isEmpty() && reads.tryAcquire()) {
            Runnable next = waiting.poll();
            if (next == null) {
                reads.release();
                return;
            }
            queued.decrementAndGet();
            next.run();
        }
    }

    private CompletableFuture<RangeResponse> hedged(ByteSequence key, boolean prefix, EtcdCalls.Shape shape,
                                                    BooleanSupplier wanted) {
        Hedged hedged = new Hedged(key, prefix, shape, wanted);
        attempt(hedged.answer, hedged.outstanding, key, prefix, shape, false);
        hedged.schedule();
        hedged.answer.whenComplete((r, e) -> hedged.cancel());
        return hedged.answer;
    }

    /**
     * One hedged read's clock: a single timer task at a time, due at the next hedge or at the
     * deadline, whichever comes first (a consistent read sends thousands of these a second: a
     * periodic hedge task and a deadline task each were two timer entries per read). The
     * deadline is on the type's own timer: CompletableFuture.orTimeout would start the JDK's
     * delay thread, which never ends, so a closed cache would leave a thread behind.
     */
    private final class Hedged implements Runnable {
        final CompletableFuture<RangeResponse> answer = new CompletableFuture<>();
        final AtomicInteger outstanding = new AtomicInteger(1);
        private final ByteSequence key;
        private final boolean prefix;
        private final EtcdCalls.Shape shape;
        private final BooleanSupplier wanted;
        private final long hedgeNanos = options.hedgeDelay().toNanos();
        private final long deadlineNanos = time.now() + options.requestTimeout().toNanos();
        private final long attempts = Math.max(1, options.requestTimeout().toNanos() / hedgeNanos);
        /** Attempts sent; only the timer task changes it after the first. */
        private int sent = 1;
        private volatile @Nullable Future<?> timer;

        Hedged(ByteSequence key, boolean prefix, EtcdCalls.Shape shape, BooleanSupplier wanted) {
            this.key = key;
            this.prefix = prefix;
            this.shape = shape;
            this.wanted = wanted;
        }

        /** The next hedge or the deadline, whichever is first. */
        void schedule() {
            long untilDeadline = deadlineNanos - time.now();
            timer = time.schedule(this, Duration.ofNanos(Math.max(0, Math.min(hedgeNanos, untilDeadline))));
            if (answer.isDone()) {
                cancel();
            }
        }

        void cancel() {
            Future<?> pending = timer;
            if (pending != null) {
                pending.cancel(false);
            }
        }

        @Override
        public void run() {
            if (answer.isDone()) {
                return;
            }
            if (deadlineNanos - time.now() <= 0) {
                answer.completeExceptionally(new TimeoutException("no answer from etcd within "
                        + options.requestTimeout()));
                return;
            }
            if (wanted.getAsBoolean() && sent < attempts && budget.tryAcquire()) {
                sent++;
                outstanding.incrementAndGet();
                hedges.increment();
                attempt(answer, outstanding, key, prefix, shape, true);
            }
            schedule();
        }
    }

    private void attempt(CompletableFuture<RangeResponse> answer, AtomicInteger outstanding, ByteSequence key,
                         boolean prefix, EtcdCalls.Shape shape, boolean hedged) {
        CompletableFuture<RangeResponse> get;
        try {
            get = calls.range(key, prefix, shape, options.requestTimeout());
        } catch (RuntimeException e) {
            get = CompletableFuture.failedFuture(e);
        }
        get.whenComplete((response, error) -> {
            if (hedged) {
                budget.release();
            }
            if (error == null) {
                answer.complete(response);
            } else if (outstanding.decrementAndGet() == 0) {
                answer.completeExceptionally(error);
            }
        });
    }
}
