package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A blocking, refreshing, asynchronous cache type over one etcd key range (a key or a prefix).
 *
 * <p>Each fetch reads the range. When the caller already has the current content (same
 * {@link Fingerprint}), it watches the range from just after that read until an event or the
 * timeout, then reads again. Reading on every fetch makes an unreachable etcd an error (so
 * the cache backs off and reports lost contact) instead of a watch that silently never fires,
 * and a watch that always starts from a fresh read cannot fall behind a compaction. No thread
 * waits anywhere: the fetch is a chain of jetcd futures and one timer task.
 *
 * <p>The index is a revision that moves only when the range changes: the newest
 * {@code mod_revision} in it, or, when a delete made that go down, the revision of the read that
 * saw the delete.
 */
public abstract class EtcdRangeType<V> implements AsyncCacheType<CacheRequest, V> {

    /** One daemon thread that only ends waits; every fetch's deadline is a task here. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final Client client;
    private final boolean prefix;
    private final Duration requestTimeout;

    protected EtcdRangeType(Client client, boolean prefix, Duration requestTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.prefix = prefix;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
    }

    /**
     * What the cache compares to decide whether the range changed: the number of keys and the
     * newest mod revision. Any put raises the revision; a delete alone lowers the count; a mix
     * that restores the count contains a put.
     */
    public record Fingerprint(long count, long maxModRevision) {
    }

    /** The value the range's key-values stand for. */
    protected abstract V value(List<KeyValue> kvs);

    @Override
    public RegisterOptions registerOptions() {
        return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
    }

    @Override
    public CompletionStage<FetchResult<V>> fetchAsync(FetchOptions<V> options, CacheRequest request) {
        // Any request works: the key (or prefix) is the request's cache key, e.g. an EtcdRequest.
        String key = request.cacheInfo().key();
        BlockingRead read = new BlockingRead(options, ByteSequence.from(key, StandardCharsets.UTF_8));
        read.readRange();
        return read.result;
    }

    /**
     * One fetch: read, maybe watch, read again, until {@link #result} completes. Exactly one
     * read or one watch is in flight at a time; the monitor guards that state machine and is
     * never held while calling jetcd.
     */
    private final class BlockingRead {

        private enum State { READING, WATCHING, DONE }

        final CompletableFuture<FetchResult<V>> result = new CompletableFuture<>();
        private final FetchOptions<V> options;
        private final ByteSequence key;
        private final Fingerprint known;
        private final long deadlineNanos;
        // Guarded by this.
        private State state = State.READING;
        private long generation;
        private Watch.Watcher watcher;
        private Future<?> deadline;

        BlockingRead(FetchOptions<V> options, ByteSequence key) {
            this.options = options;
            this.key = key;
            FetchResult<V> last = options.lastResult();
            this.known = last != null && last.state() instanceof Fingerprint f ? f : null;
            Duration timeout = options.timeout() == null ? Duration.ofMinutes(10) : options.timeout();
            this.deadlineNanos = System.nanoTime() + timeout.toNanos();
            // Answered, failed, or cancelled by the cache (close, eviction): release the watch and timer.
            result.whenComplete((r, e) -> release());
        }

        void readRange() {
            GetOption get = GetOption.builder().isPrefix(prefix).build();
            client.getKVClient().get(key, get).orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((response, error) -> {
                        if (error != null) {
                            result.completeExceptionally(unwrap(error));
                            return;
                        }
                        try {
                            onRead(response);
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    });
        }

        private void onRead(GetResponse response) {
            List<KeyValue> kvs = response.getKvs();
            long maxMod = 0;
            for (KeyValue kv : kvs) {
                maxMod = Math.max(maxMod, kv.getModRevision());
            }
            Fingerprint now = new Fingerprint(kvs.size(), maxMod);
            long minIndex = options.minIndex();
            long header = response.getHeader().getRevision();
            if (minIndex == 0 || known == null) {
                result.complete(FetchResult.of(value(kvs), Math.max(1, maxMod)).withState(now));
            } else if (!now.equals(known)) {
                // A delete can make the newest mod revision go down; the read's own revision is
                // past the delete, so it keeps the index moving forward.
                long index = maxMod > minIndex ? maxMod : Math.max(header, minIndex + 1);
                result.complete(FetchResult.of(value(kvs), index).withState(now));
            } else if (System.nanoTime() - deadlineNanos >= 0) {
                // No change before the timeout: keep the value; the index stays where it was.
                result.complete(new FetchResult<>(null, now, minIndex, false));
            } else {
                watchFrom(header + 1);
            }
        }

        private void watchFrom(long revision) {
            long myGeneration;
            synchronized (this) {
                if (state == State.DONE) {
                    return;
                }
                state = State.WATCHING;
                myGeneration = ++generation;
                if (deadline == null) {
                    long left = Math.max(0, deadlineNanos - System.nanoTime());
                    deadline = DEADLINES.schedule(this::deadlinePassed, left, TimeUnit.NANOSECONDS);
                }
            }
            WatchOption option = WatchOption.builder().isPrefix(prefix).withRevision(revision).build();
            // An error (compaction, a halted stream) also means "read again": the read tells
            // what the range holds now, or fails if etcd is gone.
            Watch.Watcher created = client.getWatchClient().watch(key, option, Watch.listener(response -> {
                if (!response.getEvents().isEmpty()) {
                    wake(myGeneration);
                }
            }, error -> wake(myGeneration)));
            boolean stale;
            synchronized (this) {
                stale = state != State.WATCHING || generation != myGeneration;
                if (!stale) {
                    watcher = created;
                }
            }
            if (stale) {
                created.close();
            }
        }

        /** The watch of {@code watchGeneration} saw a change: end it and read again. */
        private void wake(long watchGeneration) {
            Watch.Watcher ended;
            synchronized (this) {
                if (state != State.WATCHING || generation != watchGeneration) {
                    return;
                }
                state = State.READING;
                ended = watcher;
                watcher = null;
            }
            if (ended != null) {
                ended.close();
            }
            readRange();
        }

        /** Ends a pending watch; a read in flight sees the deadline itself. */
        private void deadlinePassed() {
            long current;
            synchronized (this) {
                current = generation;
            }
            wake(current);
        }

        private void release() {
            Watch.Watcher ended;
            Future<?> timer;
            synchronized (this) {
                state = State.DONE;
                ended = watcher;
                watcher = null;
                timer = deadline;
            }
            if (timer != null) {
                timer.cancel(false);
            }
            if (ended != null) {
                ended.close();
            }
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "watchcache-etcd-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    static String utf8(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
