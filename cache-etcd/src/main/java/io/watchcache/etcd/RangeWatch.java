package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The etcd side of one cache entry: the range's content ({@link RangeContent}), kept current
 * by one long-lived etcd watch on a stream shared with other entries ({@link WatchStreams}),
 * and the fetch (at most one, a {@link PendingFetch}) waiting for it to change. It is the
 * entry's fetch state, so it lives as long as the entry and the cache closes it when the entry
 * goes.
 *
 * <p>A change costs no read and no new stream: events are applied to the content as they
 * arrive. The range is read again only when the content may have fallen behind etcd: before
 * the first answer, and after etcd cancelled the watch (a compaction, or another reason). When
 * the watch's stream fails (an error, or no answer to its progress request in time), the
 * streams re-create the watch from its next revision, without a read; the failure is an error
 * for the waiting fetch, so the entry reports lost contact until etcd confirms the re-created
 * watch. That confirmation is the source answering: the next fetch then answers "nothing new"
 * at once, so contact is regained without waiting for the data to change. Likewise, after a
 * failed read, the next read's answer restores contact.
 *
 * <p>A frozen member accepts connections and requests but answers nothing. So that it costs at
 * most a short delay, reads are hedged ({@link HedgedReads}), and the shared streams move the
 * watches of a new stream that does not confirm its first one within the hedge delay.
 *
 * <p>Locking: the monitor guards the fields marked {@code @GuardedBy("this")} and is never held
 * while calling etcd or completing a fetch; the calls' callbacks take it, so the reverse would
 * deadlock.
 */
final class RangeWatch<V> implements AutoCloseable, PendingFetch.Owner<V>, WatchStreams.Listener {

    private static final Logger log = LoggerFactory.getLogger(RangeWatch.class);

    private final RangeContext<V> context;
    final String key;

    /** The range's content and its index rules. */
    @GuardedBy("this")
    private final RangeContent<V> content;
    /** The content may be behind etcd (never read, or the stream broke): read before answering. */
    @GuardedBy("this")
    private boolean stale = true;
    @GuardedBy("this")
    private boolean reading;
    /** A fetch was failed for lack of an answer: the entry shows lost contact until one is answered. */
    @GuardedBy("this")
    private boolean contactLost;
    /**
     * Why and since when the watch's stream failed, until etcd confirms the re-created watch;
     * null while the watch is fine (or not yet confirmed for the first time).
     */
    @GuardedBy("this")
    private @Nullable Interruption interruption;
    /** The watch on a shared stream; null while there is none. */
    @GuardedBy("this")
    private WatchStreams.@Nullable Handle watcher;
    /** Generation of the current stream; callbacks of an older one are ignored. */
    @GuardedBy("this")
    private int stream;
    @GuardedBy("this")
    private @Nullable PendingFetch<V> pending;
    @GuardedBy("this")
    private boolean closed;
    /** What consistent reads keep on this range; made by the first one, so most ranges keep nothing. */
    @GuardedBy("this")
    private @Nullable Consistent consistent;

    /** Why the watch's stream failed, and when (nanoTime): made only when one does. */
    private record Interruption(Throwable cause, long sinceNanos) {
    }

    /** A consistent read waiting for the content to hold what etcd had at {@code summary}. */
    private record CatchUp(RangeContent.Summary summary, CompletableFuture<Long> future) {
    }

    /**
     * The summaries of this range that consistent reads share, and the reads waiting to catch up;
     * its watch's monitor guards it.
     */
    private static final class Consistent {
        final Coalesced<RangeContent.Summary> summaries;
        /** Consistent reads waiting for the content to catch up ({@link #catchUp}); null while none waits. */
        @Nullable List<CatchUp> catchUps;

        Consistent(Coalesced<RangeContent.Summary> summaries) {
            this.summaries = summaries;
        }
    }

    RangeWatch(RangeContext<V> context, String key) {
        this.context = context;
        this.key = key;
        this.content = new RangeContent<>();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /**
     * The index the cache's entry must reach to hold what etcd had at {@code summary}: the
     * content's index once the content has caught up with it ({@link RangeContent#caughtUp}), at
     * once when it has, else when the stream's events bring it there. Cancel it to stop waiting.
     */
    CompletableFuture<Long> catchUp(RangeContent.Summary summary) {
        CatchUp waiting = new CatchUp(summary, new CompletableFuture<>());
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the watch on '" + key + "' ended"));
            }
            if (content.caughtUp(summary)) {
                return CompletableFuture.completedFuture(content.index());
            }
            Consistent reads = consistentLocked();
            if (reads.catchUps == null) {
                reads.catchUps = new ArrayList<>(2);
            }
            reads.catchUps.add(waiting);
        }
        waiting.future().whenComplete((index, error) -> {
            if (error != null) {
                synchronized (this) {
                    List<CatchUp> catchUps = consistent == null ? null : consistent.catchUps;
                    if (catchUps != null) {
                        catchUps.remove(waiting);
                    }
                }
            }
        });
        return waiting.future();
    }

    /** The summaries of this range that concurrent consistent reads share ({@link Coalesced}). */
    synchronized Coalesced<RangeContent.Summary> summaries() {
        return consistentLocked().summaries;
    }

    @GuardedBy("this")
    private Consistent consistentLocked() {
        Consistent reads = consistent;
        if (reads == null) {
            reads = new Consistent(new Coalesced<>(() -> context.reads().summary(key, context.prefix(), () -> true)));
            consistent = reads;
        }
        return reads;
    }

    /**
     * The content's index when the content is complete through etcd revision {@code revision}
     * (every change up to it is in), else -1.
     */
    synchronized long indexThrough(long revision) {
        return !closed && content.hasRead() && content.revision() >= revision ? content.index() : -1;
    }

    /** The catch-ups the content now satisfies, taken out, with the index each answers; completed after the monitor. */
    @GuardedBy("this")
    private @Nullable List<CatchUp> caughtUpLocked() {
        Consistent reads = consistent;
        List<CatchUp> waiting = reads == null ? null : reads.catchUps;
        if (reads == null || waiting == null) {
            return null;
        }
        List<CatchUp> done = null;
        for (int i = waiting.size() - 1; i >= 0; i--) {
            if (content.caughtUp(waiting.get(i).summary())) {
                if (done == null) {
                    done = new ArrayList<>(waiting.size());
                }
                done.add(waiting.remove(i));
            }
        }
        if (waiting.isEmpty()) {
            reads.catchUps = null;
        }
        return done;
    }

    private static void caughtUp(@Nullable List<CatchUp> done, long index) {
        if (done != null) {
            for (CatchUp catchUp : done) {
                catchUp.future().complete(index);
            }
        }
    }

    /**
     * Answers at once when the content changed since the last answer (or the cache holds
     * another index than ours), else when it changes, the stream fails, or {@code timeout}
     * passes (then with no value: nothing new). {@code done} gets the answer, once; the fetch
     * returned is its cancel action.
     */
    PendingFetch<V> fetch(long minIndex, Duration timeout, BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
        PendingFetch<V> waiting = new PendingFetch<>(minIndex, this, done);
        FetchResult<V> answer = null;
        boolean read = false;
        int open = 0;
        long from = 0;
        Throwable failedNow = null;
        long silentFrom = 0;
        PendingFetch<V> replaced;
        synchronized (this) {
            if (closed) {
                waiting.fail(new CancellationException("the etcd watch of '" + key + "' is closed"));
                return waiting;
            }
            replaced = pending;
            pending = null;
            if (!stale && content.hasNewFor(minIndex)) {
                answer = deliverLocked();
            } else if (!stale && interruption != null && !contactLost) {
                // The watch is being re-created and the entry does not know yet (no fetch was
                // waiting when the stream failed): waiting would hide that nothing is watching.
                // Once it knows, a fetch waits for the confirmation, which answers it.
                contactLost = true;
                failedNow = interruption.cause();
                silentFrom = interruption.sinceNanos();
            } else if (!stale && contactLost && interruption == null) {
                // Re-created and confirmed while the entry waited out its backoff: etcd answers.
                contactLost = false;
                answer = unchanged(minIndex);
            } else {
                pending = waiting;
                waiting.waitAtMost(timeout);
                if (stale) {
                    read = !reading;
                    reading = true;
                } else if (watcher == null) {
                    open = startStreamLocked();
                    from = content.revision() + 1;
                }
            }
        }
        if (replaced != null) {
            // The cache runs one fetch per entry at a time; an earlier one still here was abandoned.
            replaced.answer(unchanged(replaced.minIndex));
        }
        if (answer != null) {
            waiting.answer(answer);
            return waiting;
        }
        if (failedNow != null) {
            waiting.fail(failure(EtcdFetchException.Operation.WATCH, failedNow, silentSince(silentFrom)));
            return waiting;
        }
        if (read) {
            read();
        } else if (open != 0) {
            openStream(open, from);
        }
        return waiting;
    }

    @GuardedBy("this")
    private FetchResult<V> deliverLocked() {
        V value = content.deliver(context.value());
        return FetchResult.of(value, content.index()).withState(this);
    }

    private FetchResult<V> unchanged(long minIndex) {
        return FetchResult.<V>unchanged(minIndex).withState(this);
    }

    // ---- reads ----

    /** Reads the range (hedged: {@link HedgedReads}); the answer goes to {@link #onRead}. */
    private void read() {
        context.reads().read(key, context.prefix(), () -> !isClosed()).whenComplete(this::onRead);
    }

    private void onRead(EtcdCalls.RangeRead read, Throwable error) {
        if (error != null) {
            PendingFetch<V> failed;
            synchronized (this) {
                reading = false;
                if (closed) {
                    return;
                }
                failed = pending;
                pending = null;
                contactLost |= failed != null;
            }
            context.reachability().failed(key);
            if (failed != null) {
                failed.fail(failure(EtcdFetchException.Operation.RANGE, error));
            }
            return;
        }
        context.reachability().answered();
        long header = read.revision();
        Answer<V> answer;
        int open = 0;
        List<CatchUp> caughtUp;
        long index;
        synchronized (this) {
            reading = false;
            if (closed) {
                return;
            }
            content.replace(read.items(), header);
            stale = false;
            caughtUp = caughtUpLocked();
            index = content.index();
            answer = etcdAnsweredLocked();
            if (watcher == null) {
                // Watch from the read on, whether or not a fetch waits: the next one finds the
                // stream already catching every change after the read.
                open = startStreamLocked();
            }
        }
        if (open != 0) {
            openStream(open, header + 1);
        }
        if (answer != null) {
            answer.send();
        }
        caughtUp(caughtUp, index);
    }

    /** An answer for a waiting fetch, decided under the monitor and sent after it. */
    private record Answer<V>(PendingFetch<V> fetch, FetchResult<V> result) {
        void send() {
            fetch.answer(result);
        }
    }

    /**
     * etcd answered (a read, or a watch it confirmed): the waiting fetch answers now if the
     * content changed, and also if it had lost contact, with "nothing new": that is all the entry
     * needs to regain it. Waiting for a change instead would keep a quiet key flagged until it is
     * written, or until the query timeout. Null when the fetch should go on waiting.
     */
    @GuardedBy("this")
    private @Nullable Answer<V> etcdAnsweredLocked() {
        PendingFetch<V> waiting = pending;
        if (waiting == null) {
            return null;
        }
        boolean news = content.hasNewFor(waiting.minIndex);
        if (!news && !contactLost) {
            return null;
        }
        pending = null;
        contactLost = false;
        return new Answer<>(waiting, news ? deliverLocked() : unchanged(waiting.minIndex));
    }

    /** Starts a new watch generation; the caller opens it after releasing the monitor. */
    @GuardedBy("this")
    private int startStreamLocked() {
        interruption = null;
        // 0 is "no stream to open" to the caller: a generation wrapping round skips it.
        if (++stream == 0) {
            stream++;
        }
        return stream;
    }

    // ---- the watch, on a stream shared with other entries ----

    private void openStream(int generation, long fromRevision) {
        // The watch's generation is its tag: what a stream replaced since says is not news.
        WatchStreams.Handle created = context.streams().watch(key, context.prefix(), fromRevision, generation, this);
        boolean keep;
        synchronized (this) {
            keep = !closed && stream == generation && watcher == null;
            if (keep) {
                watcher = created;
            }
        }
        if (!keep) {
            created.close();
        }
        log.debug("Watching '{}' from revision {}", key, fromRevision);
    }

    @Override
    public void changes(int generation, List<RangeContent.Change> changes) {
        PendingFetch<V> answered = null;
        FetchResult<V> answer = null;
        List<CatchUp> caughtUp;
        long index;
        synchronized (this) {
            if (closed || generation != stream || !content.apply(changes)) {
                return;
            }
            if (pending != null) {
                answered = pending;
                pending = null;
                answer = deliverLocked();
            }
            caughtUp = caughtUpLocked();
            index = content.index();
        }
        if (answered != null) {
            answered.answer(Objects.requireNonNull(answer));
        }
        // After the fetch's answer: the entry stores it on its way to the index a catch-up names.
        caughtUp(caughtUp, index);
    }

    /**
     * etcd has the watch (again). After an interruption that is contact regained: a waiting
     * fetch answers now, with the content if it changed, else "nothing new".
     */
    @Override
    public void confirmed(int generation) {
        Answer<V> answer;
        synchronized (this) {
            if (closed || generation != stream) {
                return;
            }
            interruption = null;
            answer = stale ? null : etcdAnsweredLocked();
        }
        // The entries of the type that wait out a backoff retry now, and find their watches confirmed:
        // each fetch answers "nothing new" at once.
        context.reachability().answered();
        if (answer != null) {
            answer.send();
        }
    }

    /**
     * The watch's stream failed {@code silentFor} ago and the watch was not confirmed again
     * within the failover grace; the streams go on re-creating it from its next revision. Until
     * etcd confirms it, the entry has no contact, counted from the failure: the waiting fetch
     * fails, so the cache says so, and so does every fetch that comes meanwhile.
     */
    @Override
    public void interrupted(int generation, Throwable error, Duration silentFor) {
        Throwable cause = unwrap(error);
        PendingFetch<V> failed;
        long since = context.time().now() - silentFor.toNanos();
        synchronized (this) {
            if (closed || generation != stream) {
                return;
            }
            interruption = new Interruption(cause, since);
            failed = pending;
            pending = null;
            contactLost |= failed != null;
        }
        context.reachability().failed(key);
        log.debug("The watch of '{}' was interrupted; re-creating it", key, cause);
        if (failed != null) {
            // Called from the stream's callbacks: complete elsewhere.
            context.time().execute(() -> failed.fail(failure(EtcdFetchException.Operation.WATCH, cause,
                    silentSince(since))));
        }
    }

    /**
     * etcd cancelled the watch of {@code generation}. A compaction only means "read again",
     * which the waiting fetch does itself; any other reason is an error for the waiting fetch,
     * so the entry reports lost contact and backs off. Either way the content is read again
     * before the next answer.
     */
    @Override
    public void cancelled(int generation, Throwable error, boolean compacted) {
        Throwable cause = unwrap(error);
        WatchStreams.Handle ended;
        PendingFetch<V> failed = null;
        boolean read = false;
        synchronized (this) {
            if (closed || generation != stream) {
                return;
            }
            stream++;
            ended = watcher;
            watcher = null;
            stale = true;
            if (compacted && pending != null) {
                read = !reading;
                reading = true;
            } else if (!compacted) {
                failed = pending;
                pending = null;
                contactLost |= failed != null;
            }
        }
        if (!compacted) {
            context.reachability().failed(key);
        }
        if (compacted) {
            log.debug("The watch of '{}' fell behind a compaction; reading it again", key);
        } else {
            log.debug("etcd cancelled the watch of '{}'", key, cause);
        }
        PendingFetch<V> toFail = failed;
        boolean toRead = read;
        // Called from the stream's callbacks: do the rest elsewhere.
        context.time().execute(() -> {
            if (ended != null) {
                ended.close();
            }
            if (toRead) {
                read();
            }
            if (toFail != null) {
                toFail.fail(failure(EtcdFetchException.Operation.WATCH, cause));
            }
        });
    }

    // ---- the waiting fetch ----

    @Override
    public void timedOut(PendingFetch<V> waiting) {
        boolean stillLost;
        synchronized (this) {
            if (pending != waiting) {
                return;
            }
            pending = null;
            // Still no stream: "nothing new" would claim a contact the entry does not have.
            stillLost = !stale && interruption != null;
        }
        if (stillLost) {
            waiting.fail(failure(EtcdFetchException.Operation.WATCH, new TimeoutException(
                    "the watch is not re-established yet")));
        } else {
            waiting.answer(unchanged(waiting.minIndex));
        }
    }

    @Override
    public synchronized void abandoned(PendingFetch<V> waiting) {
        if (pending == waiting) {
            pending = null;
        }
    }

    @Override
    public Deadlines deadlines() {
        return context.deadlines();
    }

    /** Ends the stream and any waiting fetch. Idempotent. */
    @Override
    public void close() {
        WatchStreams.Handle ended;
        PendingFetch<V> abandoned;
        List<CatchUp> ending = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stream++;
            ended = watcher;
            watcher = null;
            abandoned = pending;
            pending = null;
            if (consistent != null) {
                ending = consistent.catchUps;
                consistent.catchUps = null;
            }
        }
        if (abandoned != null) {
            abandoned.run();
        }
        if (ending != null) {
            for (CatchUp catchUp : ending) {
                catchUp.future().completeExceptionally(new IllegalStateException("the watch on '" + key + "' ended"));
            }
        }
        if (ended != null) {
            // Cancels the watch id; the stream ends (etcd frees it at once) when it was the last.
            ended.close();
        }
    }

    /** How long etcd has been silent for this watch, when its stream failed at {@code since}. */
    private Duration silentSince(long since) {
        return Duration.ofNanos(Math.max(0, context.time().now() - since));
    }

    private EtcdFetchException failure(EtcdFetchException.Operation operation, Throwable error) {
        return failure(operation, error, Duration.ZERO);
    }

    private EtcdFetchException failure(EtcdFetchException.Operation operation, Throwable error, Duration silentFor) {
        Throwable cause = unwrap(error);
        String problem;
        if (cause instanceof TimeoutException && operation == EtcdFetchException.Operation.RANGE) {
            problem = "no answer within " + context.options().requestTimeout().toMillis() + " ms";
        } else {
            problem = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        }
        return new EtcdFetchException(operation, key, context.prefix(), context.options().describeEndpoints(), problem,
                cause, silentFor);
    }

    @Override
    public synchronized String toString() {
        return "RangeWatch[" + key + ", index " + content.index() + (watcher != null ? ", watching" : "")
                + (stale ? ", stale" : "") + (closed ? ", closed" : "") + "]";
    }

    /** The error a stage failed with, without the {@link CompletionException} a chain wraps it in. */
    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
