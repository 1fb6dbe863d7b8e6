package io.watchcache.bench;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated index-versioned backend with blocking reads and a per-call latency (uniform in
 * [minLatency, maxLatency]), shared by every scenario so that every side pays the same costs.
 * It counts calls, tracks reads in flight per key, and keeps each write's time so a scenario
 * can measure how long a write stayed invisible.
 */
final class SimBackend implements AutoCloseable {

    /** One version of a key; {@code writtenAtNanos} is 0 for data loaded before the measurement. */
    record Version(String key, long index, long writtenAtNanos) {
    }

    private final class KeyState {
        // Guarded by this.
        Version current;
        List<Pending> waiters = new ArrayList<>();
        final ArrayDeque<Version> unseen = new ArrayDeque<>();
        int inFlight;
        int maxInFlight;
        volatile long lastObserved;

        KeyState(String key) {
            current = new Version(key, 1, 0);
        }
    }

    /** A read in flight; settled once, and counted out of {@code inFlight} before its answer is seen. */
    private static final class Pending {
        final KeyState key;
        final CompletableFuture<Version> result = new CompletableFuture<>();
        boolean settled; // guarded by key

        Pending(KeyState key) {
            this.key = key;
        }
    }

    private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();
    private final AtomicLong revision = new AtomicLong(1);
    private final ScheduledThreadPoolExecutor clock;
    private final long minLatencyMicros;
    private final long maxLatencyMicros;
    final LongAdder calls = new LongAdder();
    private final boolean trackUnseen;

    SimBackend(Duration minLatency, Duration maxLatency, boolean trackUnseen) {
        this.minLatencyMicros = minLatency.toNanos() / 1000;
        this.maxLatencyMicros = maxLatency.toNanos() / 1000;
        this.trackUnseen = trackUnseen;
        clock = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "sim-backend");
            thread.setDaemon(true);
            return thread;
        });
        clock.setRemoveOnCancelPolicy(true);
    }

    private KeyState state(String key) {
        return keys.computeIfAbsent(key, KeyState::new);
    }

    /** Loads {@code key} before a measurement (its version's write time is 0). */
    void preload(String key) {
        KeyState s = state(key);
        synchronized (s) {
            s.current = new Version(key, revision.incrementAndGet(), 0);
        }
    }

    /** Writes a new version of {@code key} and wakes its blocking readers (after their latency). */
    long write(String key) {
        KeyState s = state(key);
        List<Pending> woken;
        Version written;
        synchronized (s) {
            written = new Version(key, revision.incrementAndGet(), System.nanoTime());
            s.current = written;
            if (trackUnseen) {
                s.unseen.addLast(written);
            }
            woken = s.waiters;
            s.waiters = new ArrayList<>();
        }
        for (Pending waiter : woken) {
            answer(waiter, written);
        }
        return written.index();
    }

    /** A read: at once (after the latency) when the index passed {@code minIndex}, else when it does or at the timeout. */
    CompletableFuture<Version> read(String key, long minIndex, Duration timeout) {
        calls.increment();
        KeyState s = state(key);
        Pending pending = new Pending(s);
        Version now = null;
        synchronized (s) {
            s.inFlight++;
            s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
            if (minIndex == 0 || s.current.index() > minIndex) {
                now = s.current;
            } else {
                s.waiters.add(pending);
            }
        }
        // A reader that gives up (the cache cancels on close or eviction) is counted out too.
        pending.result.whenComplete((v, e) -> settle(pending));
        if (now != null) {
            answer(pending, now);
        } else {
            var timer = clock.schedule(() -> {
                if (settle(pending)) {
                    pending.result.complete(current(key));
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            pending.result.whenComplete((v, e) -> timer.cancel(false));
        }
        return pending.result;
    }

    /** Counts the read out of {@code inFlight}, once; true for the caller that did. */
    private boolean settle(Pending pending) {
        synchronized (pending.key) {
            if (pending.settled) {
                return false;
            }
            pending.settled = true;
            pending.key.inFlight--;
            pending.key.waiters.remove(pending);
            return true;
        }
    }

    private void answer(Pending pending, Version version) {
        long latency = ThreadLocalRandom.current().nextLong(minLatencyMicros, maxLatencyMicros + 1);
        clock.schedule(() -> {
            // Counted out before the answer is seen, as a real server's reply ends its query.
            if (settle(pending)) {
                pending.result.complete(version);
            }
        }, latency, TimeUnit.MICROSECONDS);
    }

    Version current(String key) {
        KeyState s = state(key);
        synchronized (s) {
            return s.current;
        }
    }

    /** A reader saw {@code index} of {@code key}: every write up to it is now visible; returns their staleness. */
    void observe(String key, long index, LongSamples staleness) {
        KeyState s = keys.get(key);
        if (s == null || index <= s.lastObserved) {
            return;
        }
        long now = System.nanoTime();
        synchronized (s) {
            s.lastObserved = Math.max(s.lastObserved, index);
            while (!s.unseen.isEmpty() && s.unseen.peekFirst().index() <= index) {
                staleness.add(now - s.unseen.pollFirst().writtenAtNanos());
            }
        }
    }

    /** Writes no reader has seen yet. */
    long unseen() {
        long count = 0;
        for (KeyState s : keys.values()) {
            synchronized (s) {
                count += s.unseen.size();
            }
        }
        return count;
    }

    int maxInFlight(String key) {
        KeyState s = state(key);
        synchronized (s) {
            return s.maxInFlight;
        }
    }

    void resetMaxInFlight(String key) {
        KeyState s = state(key);
        synchronized (s) {
            s.maxInFlight = s.inFlight;
        }
    }

    int inFlight() {
        int total = 0;
        for (KeyState s : keys.values()) {
            synchronized (s) {
                total += s.inFlight;
            }
        }
        return total;
    }

    /** A blocking, refreshing asynchronous cache type over this backend: holds no thread while it waits. */
    AsyncCacheType<CacheRequest, Version> asyncType() {
        return new AsyncCacheType<>() {
            @Override
            public CompletableFuture<FetchResult<Version>> fetchAsync(FetchOptions<Version> options, CacheRequest request) {
                long minIndex = options.minIndex();
                CompletableFuture<Version> read = read(request.cacheInfo().key(), minIndex, options.timeout());
                CompletableFuture<FetchResult<Version>> result = read.thenApply(v -> v.index() > minIndex
                        ? FetchResult.of(v, v.index()) : FetchResult.<Version>unchanged(minIndex));
                result.whenComplete((r, e) -> read.cancel(false));
                return result;
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.builder().supportsBlocking(true).refresh(true).build();
            }
        };
    }

    /** The same backend as a synchronous type: each pending query parks the thread it runs on. */
    CacheType<CacheRequest, Version> syncType() {
        AsyncCacheType<CacheRequest, Version> async = asyncType();
        return new CacheType<>() {
            @Override
            public FetchResult<Version> fetch(FetchOptions<Version> options, CacheRequest request) throws Exception {
                CompletableFuture<FetchResult<Version>> pending = async.fetchAsync(options, request).toCompletableFuture();
                try {
                    return pending.get();
                } catch (InterruptedException e) {
                    pending.cancel(false);
                    throw e;
                }
            }

            @Override
            public RegisterOptions registerOptions() {
                return async.registerOptions();
            }
        };
    }

    @Override
    public void close() {
        clock.shutdownNow();
    }
}
