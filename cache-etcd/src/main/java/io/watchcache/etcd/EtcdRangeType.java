package io.watchcache.etcd;

import io.micrometer.core.instrument.MeterRegistry;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.SourceSignals;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * A blocking, refreshing, asynchronous cache type over one etcd key range (a key or a prefix).
 *
 * <p>Each cache entry holds one long-lived etcd watch on its range (its fetch state, closed with
 * the entry), on a gRPC stream it shares with up to {@link EtcdTypeOptions#watchesPerStream()}
 * other entries, of this type and of every other etcd type on the same {@link EtcdConnection}:
 * the first fetch reads the range, later fetches wait for the watch's events, which are applied to the content
 * without reading again. When a stream fails or stops answering (see {@link EtcdTypeOptions}),
 * each of its watches is re-created, without a read, from the revision after the last event it
 * delivered: within the failover grace nobody hears of it; past it the entries report lost
 * contact until etcd confirms the re-created watch, which restores contact even when nothing
 * changed. A refusal (permission denied) fails the entry instead ({@link #isFatal}). When etcd
 * answers again after a failure, the entries that wait out a
 * backoff retry at once ({@link #registered}). No thread waits anywhere: fetches are
 * gRPC calls on the connection, stream callbacks and timer tasks.
 *
 * <p>The index is a revision that moves only when the range changes: the newest
 * {@code mod_revision} seen in it, or the revision of a delete.
 */
public abstract sealed class EtcdRangeType<V> implements AsyncCacheType<CacheRequest, V>
        permits EtcdKeyType, EtcdPrefixType {

    private static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofMinutes(10);

    /** What the type's watches use of it. */
    private final RangeContext<V> context;
    /**
     * etcd's revision for consistent reads of prefixes, shared by those that ask at once
     * ({@link Coalesced}): a count of one key, the key of one of them (a key its user may read).
     */
    private final Coalesced<Long> revisions;
    private volatile String revisionKey = "";

    /** On the system's time, with the streams every etcd type on {@code connection} shares. */
    EtcdRangeType(EtcdConnection connection, boolean prefix, EtcdTypeOptions options) {
        this(prefix, options, EtcdTime.system(), Objects.requireNonNull(connection, "connection")
                .shared(Objects.requireNonNull(options, "options")));
    }

    /**
     * On {@code time}'s clock and timer (progress checks, hedges, deadlines, backoff, grace and
     * probe), with streams of its own.
     */
    EtcdRangeType(EtcdConnection connection, boolean prefix, EtcdTypeOptions options, EtcdTime time) {
        this(prefix, options, time, ownStreams(connection, options, time));
    }

    private EtcdRangeType(boolean prefix, EtcdTypeOptions options, EtcdTime time, EtcdConnection.Shared shared) {
        EtcdCalls calls = shared.calls();
        WatchStreams streams = shared.streams();
        EtcdReachability reachability = new EtcdReachability(calls, options.requestTimeout(), time,
                streams::retryNow);
        this.context = new RangeContext<>(prefix, options, this::value, new HedgedReads(calls, options, time),
                streams, new Deadlines(time), reachability, time);
        this.revisions = new Coalesced<>(() -> context.reads().count(revisionKey, false, () -> true)
                .thenApply(RangeContent.Summary::revision));
    }

    private static EtcdConnection.Shared ownStreams(EtcdConnection connection, EtcdTypeOptions options,
                                                    EtcdTime time) {
        EtcdCalls calls = new EtcdCalls(Objects.requireNonNull(connection, "connection"));
        return new EtcdConnection.Shared(calls, new WatchStreams(calls, Objects.requireNonNull(options, "options"),
                time));
    }

    /** The streams this type's watches are on (shared with the other etcd types of its connection). */
    WatchStreams streams() {
        return context.streams();
    }

    /**
     * Keeps the registration's signals: when etcd answers again after a failure (any entry's
     * read, or the probe that runs meanwhile), the entries waiting out a backoff retry at once.
     * With a meter registry, the stream layer's meters ({@code watchcache.etcd.*}) join it,
     * tagged with {@code name}.
     */
    @Override
    public void registered(String name, SourceSignals signals) {
        context.reachability().add(signals);
        MeterRegistry registry = signals.meterRegistry();
        if (registry != null) {
            EtcdMeters.bind(registry, name, context.streams(), context.reads());
        }
    }

    /**
     * The value the range's content stands for.
     *
     * @param items         the content, key to value and mod revision (not to be kept: it changes)
     * @param changed       the keys changed since {@code previous}
     * @param previous      the value last handed out, or null
     * @param index         the index of this value
     * @param previousIndex the index of {@code previous}, 0 for none
     */
    abstract V value(Map<String, RangeContent.Item> items, Set<String> changed, @Nullable V previous,
                     long index, long previousIndex);

    public EtcdTypeOptions options() {
        return context.options();
    }

    /**
     * A refusal ({@link EtcdRefusals}: permission denied, credentials etcd rejects) is fatal: the
     * entry is failed with etcd's message, not retried as lost contact.
     */
    @Override
    public boolean isFatal(Throwable error) {
        return EtcdRefusals.isRefusal(error);
    }

    @Override
    public RegisterOptions registerOptions() {
        return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
    }

    /** The cache's fetches come through the callback form; this one serves other callers. */
    @Override
    public CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, CacheRequest request) {
        Stage<V> stage = new Stage<>();
        stage.stop = fetchAsync(options, request, stage);
        return stage;
    }

    /**
     * Waits on the range's watch (a new one unless the last result holds it): a fetch that waits
     * for a change is the watch's one {@link PendingFetch}, and the cache holds nothing else.
     */
    @Override
    public Runnable fetchAsync(FetchOptions<V> options, CacheRequest request,
                               BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
        // Any request works: the key (or prefix) is the request's cache key, e.g. an EtcdRequest.
        String key = request.cacheInfo().key();
        FetchResult<V> last = options.lastResult();
        RangeWatch<V> watch = last != null && last.state() instanceof RangeWatch<?> held && held.key.equals(key)
                && !held.isClosed() ? cast(held) : null;
        Duration timeout = options.timeout() == null ? DEFAULT_QUERY_TIMEOUT : options.timeout();
        if (watch != null) {
            return watch.fetch(options.minIndex(), timeout, done);
        }
        RangeWatch<V> fresh = new RangeWatch<>(context, key);
        return fresh.fetch(options.minIndex(), timeout, (result, error) -> {
            // Until a result hands it to the cache, nobody else will close it.
            if (error != null) {
                fresh.close();
            }
            done.accept(result, error);
        });
    }

    /** A fetch as a stage: cancelling the stage cancels the fetch. */
    private static final class Stage<V> extends CompletableFuture<FetchResult<V>>
            implements BiConsumer<FetchResult<V>, Throwable> {

        private volatile @Nullable Runnable stop;

        @Override
        public void accept(@Nullable FetchResult<V> result, @Nullable Throwable error) {
            if (error != null) {
                completeExceptionally(error);
            } else {
                complete(result);
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            Runnable fetch = stop;
            if (cancelled && fetch != null) {
                fetch.run();
            }
            return cancelled;
        }
    }

    /** etcd tells, cheaply, what an entry must hold: see {@link #consistentIndex}. */
    @Override
    public boolean supportsConsistentReads() {
        return true;
    }

    /**
     * For a consistent read: one linearizable read of the range without its values (etcd's
     * revision, the number of keys, the newest mod revision; {@link RangeContent.Summary}), then
     * the index the entry's watch content has once it holds what that read saw: at once for a
     * quiet range whose content is already the same, else when the watch's events bring it
     * there. For a prefix etcd's revision comes first, from a count of the one key (etcd must
     * read and sort the whole prefix to summarize it): a content complete through that revision
     * needs no summary. No progress request and no read of the values: a quiet key answers in one
     * round trip, whatever the etcd version's progress rules. Consistent reads that ask at once
     * share these reads, two in flight and one more for all who asked meanwhile ({@link Coalesced}):
     * per entry for summaries, per type for the revision.
     */
    @Override
    public CompletionStage<Long> consistentIndex(CacheRequest request, FetchResult<V> last, Duration timeout) {
        if (!(last.state() instanceof RangeWatch<?> held) || held.isClosed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the entry holds no etcd watch"));
        }
        RangeWatch<V> watch = cast(held);
        CompletableFuture<Long> answer = new CompletableFuture<>();
        if (!context.prefix()) {
            summarize(watch, answer);
            return answer;
        }
        // A prefix: etcd summarizes one by reading and sorting all of it. First its revision alone,
        // from a linearizable count of one key (the prefix itself: no walk of the range): a content
        // already complete through that revision needs no more.
        revisionKey = watch.key;
        revisions.get().whenComplete((revision, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
                return;
            }
            long index = watch.indexThrough(revision);
            if (index >= 0) {
                answer.complete(index);
            } else {
                summarize(watch, answer);
            }
        });
        return answer;
    }

    /** Completes {@code answer} with the index {@code watch} has once it holds what a summary read now saw. */
    private void summarize(RangeWatch<V> watch, CompletableFuture<Long> answer) {
        watch.summaries().get().whenComplete((read, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
                return;
            }
            CompletableFuture<Long> caughtUp = watch.catchUp(read);
            caughtUp.whenComplete((index, failed) -> {
                if (failed != null) {
                    answer.completeExceptionally(failed);
                } else {
                    answer.complete(index);
                }
            });
            answer.whenComplete((index, failed) -> caughtUp.cancel(false));
        });
    }

    @SuppressWarnings("unchecked")
    private RangeWatch<V> cast(RangeWatch<?> watch) {
        return (RangeWatch<V>) watch;
    }
}
