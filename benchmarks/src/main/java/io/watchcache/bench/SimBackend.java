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
        List<CompletableFuture<Version>> waiters = new ArrayList<>();
        final ArrayDeque<Version> unseen = new ArrayDeque<>();
        int inFlight;
        int maxInFlight;
        volatile long lastObserved;

        KeyState(String key) {
            current = new Version(key, 1, 0);
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
        List<CompletableFuture<Version>> woken;
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
        for (CompletableFuture<Version> waiter : woken) {
            answer(waiter, written);
        }
        return written.index();
    }

    /** A read: at once (after the latency) when the index passed {@code minIndex}, else when it does or at the timeout. */
    CompletableFuture<Version> read(String key, long minIndex, Duration timeout) {
        calls.increment();
        KeyState s = state(key);
        CompletableFuture<Version> result = new CompletableFuture<>();
        Version now = null;
        synchronized (s) {
            s.inFlight++;
            s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
            if (minIndex == 0 || s.current.index() > minIndex) {
                now = s.current;
            } else {
                s.waiters.add(result);
            }
        }
        result.whenComplete((v, e) -> {
            synchronized (s) {
                s.inFlight--;
                s.waiters.remove(result);
            }
        });
        if (now != null) {
            answer(result, now);
        } else {
            var timer = clock.schedule(() -> result.complete(current(key)), timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((v, e) -> timer.cancel(false));
        }
        return result;
    }

    private void answer(CompletableFuture<Version> waiter, Version version) {
        long latency = ThreadLocalRandom.current().nextLong(minLatencyMicros, maxLatencyMicros + 1);
        clock.schedule(() -> waiter.complete(version), latency, TimeUnit.MICROSECONDS);
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
                        ? FetchResult.of(v, v.index()) : new FetchResult<>(null, null, minIndex, false));
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
