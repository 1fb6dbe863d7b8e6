package io.watchcache.testing;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * An in-memory, index-versioned store with blocking reads: the one source every module's tests
 * and the benchmarks use (shipped in cache-core's test-jar).
 *
 * <p>The index rule, which every source the cache talks to should follow: the store starts at
 * index {@value #NEVER_WRITTEN}, and a key never written reads as absent at that index; every
 * write (a put, or a delete of a present key) takes the next index, so the first write is
 * {@code 2} and a blocking read at index 1 sees it. A delete leaves a tombstone: the key reads
 * as absent at the delete's index, so the change is visible to a blocking read.
 *
 * <p>Optionally each answer is delayed by a latency drawn from {@code [min, max]}, the store
 * counts reads and reads in flight per key, and it remembers when each write happened, so a
 * benchmark can measure how long a write stayed unseen.
 */
public final class VersionedStore implements AutoCloseable {

    /** The index of a key that was never written. */
    public static final long NEVER_WRITTEN = 1;

    /**
     * One version of a key.
     *
     * @param value          the value, {@code null} when the key is absent
     * @param writtenAtNanos when it was written ({@code System.nanoTime()}); 0 for preloaded data
     */
    public record Versioned(String key, Object value, long index, long writtenAtNanos) {
    }

    private static final class KeyState {
        // Guarded by this.
        Versioned current;
        List<Pending> waiters = new ArrayList<>();
        final ArrayDeque<Versioned> unseen = new ArrayDeque<>();
        int inFlight;
        int maxInFlight;
        volatile long lastObserved;

        KeyState(String key) {
            current = new Versioned(key, null, NEVER_WRITTEN, 0);
        }
    }

    /** A read in flight; settled once, and counted out of {@code inFlight} before its answer is seen. */
    private static final class Pending {
        final KeyState key;
        final BiConsumer<Versioned, Throwable> answer;
        boolean settled; // guarded by key
        Future<?> timer; // guarded by key

        Pending(KeyState key, BiConsumer<Versioned, Throwable> answer) {
            this.key = key;
            this.answer = answer;
        }
    }

    private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();
    private final AtomicLong revision = new AtomicLong(NEVER_WRITTEN);
    private final ScheduledThreadPoolExecutor clock;
    private final long minLatencyMicros;
    private final long maxLatencyMicros;
    private final boolean trackUnseen;
    /** Every read, blocking or not. */
    public final LongAdder calls = new LongAdder();

    /** A store that answers at once. */
    public VersionedStore() {
        this(Duration.ZERO, Duration.ZERO, false);
    }

    /**
     * @param trackUnseen remember writes no reader has {@link #observe observed} yet (for staleness)
     */
    public VersionedStore(Duration minLatency, Duration maxLatency, boolean trackUnseen) {
        this.minLatencyMicros = minLatency.toNanos() / 1000;
        this.maxLatencyMicros = maxLatency.toNanos() / 1000;
        this.trackUnseen = trackUnseen;
        clock = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "versioned-store");
            thread.setDaemon(true);
            return thread;
        });
        clock.setRemoveOnCancelPolicy(true);
    }

    private KeyState state(String key) {
        return keys.computeIfAbsent(Objects.requireNonNull(key, "key"), KeyState::new);
    }

    // ---- writes ----

    /** Writes {@code value} and returns its index; a {@code null} value deletes the key. */
    public long put(String key, Object value) {
        return write(key, value, System.nanoTime());
    }

    /** Deletes {@code key}; deleting an absent key changes nothing and returns its index. */
    public long delete(String key) {
        return write(key, null, System.nanoTime());
    }

    /** Writes a new version of {@code key} (its value: the key) and returns its index. */
    public long write(String key) {
        return put(key, key);
    }

    /** Loads {@code key} before a measurement: a version whose write time is 0. */
    public void preload(String key) {
        write(key, key, 0);
    }

    private long write(String key, Object value, long writtenAtNanos) {
        KeyState s = state(key);
        List<Pending> woken;
        Versioned written;
        synchronized (s) {
            // Checked under the same lock as the write: two deletes must not both take an index.
            if (value == null && s.current.value() == null) {
                return s.current.index();
            }
            written = new Versioned(key, value, revision.incrementAndGet(), writtenAtNanos);
            s.current = written;
            if (trackUnseen && writtenAtNanos != 0) {
                s.unseen.addLast(written);
            }
            woken = s.waiters;
            s.waiters = new ArrayList<>();
        }
        // Answered outside the lock: completions run the readers' callbacks.
        for (Pending waiter : woken) {
            answer(waiter, written);
        }
        return written.index();
    }

    // ---- reads ----

    public Versioned get(String key) {
        KeyState s = state(key);
        synchronized (s) {
            return s.current;
        }
    }

    /**
     * A blocking read: the key's version once its index is greater than {@code minIndex} (at
     * once for 0), or the current version when {@code timeout} passes first. Cancelling the
     * future forgets the reader.
     */
    public CompletableFuture<Versioned> read(String key, long minIndex, Duration timeout) {
        CompletableFuture<Versioned> result = new CompletableFuture<>();
        Runnable forget = read(key, minIndex, timeout, (v, e) -> {
            if (e == null) {
                result.complete(v);
            } else {
                result.completeExceptionally(e);
            }
        });
        // A reader that gives up (the cache cancels on close or eviction) is counted out too.
        result.whenComplete((v, e) -> forget.run());
        return result;
    }

    /**
     * {@link #read}, answering {@code answer} once (on the store's clock thread, or on this one
     * when there is no latency) and keeping nothing else while it waits; the action returned
     * forgets a reader still waiting, which is then answered a {@link CancellationException}.
     */
    public Runnable read(String key, long minIndex, Duration timeout, BiConsumer<Versioned, Throwable> answer) {
        calls.increment();
        KeyState s = state(key);
        Pending pending = new Pending(s, answer);
        Versioned now = null;
        synchronized (s) {
            s.inFlight++;
            s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
            if (minIndex == 0 || s.current.index() > minIndex) {
                now = s.current;
            } else {
                s.waiters.add(pending);
            }
        }
        if (now != null) {
            answer(pending, now);
        } else {
            Future<?> timer = clock.schedule(() -> {
                if (settle(pending)) {
                    pending.answer.accept(get(key), null);
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            boolean settled;
            synchronized (s) {
                pending.timer = timer;
                settled = pending.settled;
            }
            if (settled) {
                timer.cancel(false);
            }
        }
        return () -> {
            if (settle(pending)) {
                answer.accept(null, new CancellationException("the read was cancelled"));
            }
        };
    }

    /** Counts the read out of {@code inFlight}, once; true for the caller that did. */
    private boolean settle(Pending pending) {
        Future<?> timer;
        synchronized (pending.key) {
            if (pending.settled) {
                return false;
            }
            pending.settled = true;
            pending.key.inFlight--;
            pending.key.waiters.remove(pending);
            timer = pending.timer;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        return true;
    }

    private void answer(Pending pending, Versioned version) {
        if (maxLatencyMicros == 0) {
            if (settle(pending)) {
                pending.answer.accept(version, null);
            }
            return;
        }
        long latency = ThreadLocalRandom.current().nextLong(minLatencyMicros, maxLatencyMicros + 1);
        clock.schedule(() -> {
            // Counted out before the answer is seen, as a real server's reply ends its query.
            if (settle(pending)) {
                pending.answer.accept(version, null);
            }
        }, latency, TimeUnit.MICROSECONDS);
    }

    // ---- what the store saw ----

    /** Reads in flight over all keys (for a synchronous type: parked threads). */
    public int inFlight() {
        int total = 0;
        for (KeyState s : keys.values()) {
            synchronized (s) {
                total += s.inFlight;
            }
        }
        return total;
    }

    public int maxInFlight(String key) {
        KeyState s = state(key);
        synchronized (s) {
            return s.maxInFlight;
        }
    }

    public void resetMaxInFlight(String key) {
        KeyState s = state(key);
        synchronized (s) {
            s.maxInFlight = s.inFlight;
        }
    }

    /**
     * A reader saw {@code index} of {@code key}: every write up to it is now visible; hands the
     * staleness of each (nanoseconds from its write to now) to {@code staleness}.
     */
    public void observe(String key, long index, LongConsumer staleness) {
        KeyState s = keys.get(key);
        if (s == null || index <= s.lastObserved) {
            return;
        }
        long now = System.nanoTime();
        synchronized (s) {
            s.lastObserved = Math.max(s.lastObserved, index);
            while (!s.unseen.isEmpty() && s.unseen.peekFirst().index() <= index) {
                staleness.accept(now - s.unseen.pollFirst().writtenAtNanos());
            }
        }
    }

    /** Writes no reader has observed yet. */
    public long unseen() {
        long count = 0;
        for (KeyState s : keys.values()) {
            synchronized (s) {
                count += s.unseen.size();
            }
        }
        return count;
    }

    // ---- cache types over the store ----

    /**
     * An asynchronous cache type over this store (holds no thread while it waits), whose value
     * is {@code value} applied to the key's version; for an absent key, to a version with a
     * {@code null} value (return null for "absent").
     */
    public <V> AsyncCacheType<CacheRequest, V> asyncType(RegisterOptions options, Function<Versioned, V> value) {
        return new AsyncCacheType<>() {
            @Override
            public CompletableFuture<FetchResult<V>> fetchAsync(FetchOptions<V> fetch, CacheRequest request) {
                long minIndex = fetch.minIndex();
                CompletableFuture<Versioned> read = read(request.cacheInfo().key(), minIndex, fetch.timeout());
                CompletableFuture<FetchResult<V>> result = read.thenApply(v -> v.index() > minIndex
                        ? FetchResult.of(value.apply(v), v.index())
                        // Timed out with no change: nothing new, the index stays.
                        : FetchResult.<V>unchanged(minIndex));
                result.whenComplete((r, e) -> read.cancel(false));
                return result;
            }

            @Override
            public RegisterOptions registerOptions() {
                return options;
            }
        };
    }

    /**
     * {@link #asyncType}, answering the cache's callback ({@link AsyncCacheType#fetchAsync(FetchOptions,
     * Object, BiConsumer)}): while it waits, the store keeps the read and its timer, and no future.
     */
    public <V> AsyncCacheType<CacheRequest, V> callbackType(RegisterOptions options, Function<Versioned, V> value) {
        return new CallbackType<>(options) {
            @Override
            public Runnable fetchAsync(FetchOptions<V> fetch, CacheRequest request,
                                       BiConsumer<? super FetchResult<V>, ? super Throwable> done) {
                long minIndex = fetch.minIndex();
                return read(request.cacheInfo().key(), minIndex, fetch.timeout(), (v, e) -> {
                    if (e != null) {
                        done.accept(null, e);
                    } else {
                        done.accept(v.index() > minIndex ? FetchResult.of(value.apply(v), v.index())
                                : FetchResult.unchanged(minIndex), null);
                    }
                });
            }
        };
    }

    /** The same as a synchronous type: each pending query parks the thread it runs on. */
    public <V> CacheType<CacheRequest, V> syncType(RegisterOptions options, Function<Versioned, V> value) {
        AsyncCacheType<CacheRequest, V> async = asyncType(options, value);
        return new CacheType<>() {
            @Override
            public FetchResult<V> fetch(FetchOptions<V> fetch, CacheRequest request) throws Exception {
                CompletableFuture<FetchResult<V>> pending = async.fetchAsync(fetch, request).toCompletableFuture();
                try {
                    return pending.get();
                } catch (InterruptedException e) {
                    pending.cancel(false);
                    throw e;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }

            @Override
            public RegisterOptions registerOptions() {
                return options;
            }
        };
    }

    /** A blocking, refreshing asynchronous type whose value is the key's value as a string (null: absent). */
    public AsyncCacheType<CacheRequest, String> stringType() {
        return asyncType(RegisterOptions.blockingRefresh(), VersionedStore::valueString);
    }

    /** The same, synchronous. */
    public CacheType<CacheRequest, String> syncStringType() {
        return syncType(RegisterOptions.blockingRefresh(), VersionedStore::valueString);
    }

    private static String valueString(Versioned v) {
        return v.value() == null ? null : v.value().toString();
    }

    @Override
    public void close() {
        clock.shutdownNow();
    }
}
