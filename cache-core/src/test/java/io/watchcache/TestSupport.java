package io.watchcache;

import io.watchcache.testing.ManualTime;
import io.watchcache.testing.TrackingExecutor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

final class TestSupport {

    private TestSupport() {
    }

    static CacheRequest req(String key) {
        return () -> RequestInfo.of(key);
    }

    static CacheRequest req(RequestInfo info) {
        return () -> info;
    }

    static CacheRequest blockingReq(String key, long minIndex, Duration timeout) {
        return () -> RequestInfo.builder().key(key).minIndex(minIndex).timeout(timeout).build();
    }

    /** How often the cache looks for idle entries (EntryTable's sweep period). */
    static final Duration SWEEP_PERIOD = Duration.ofSeconds(1);

    /**
     * Moves {@code time} by {@code step}, at most a sweep period at a time, and after each move
     * waits until what fell due has finished on {@code executor} (its tasks back to {@code held}:
     * blocking fetches the test keeps open). Every idle sweep due on the way has then run, after
     * the move that made it due: what the cache removes by then is gone, and what it keeps stays.
     * The cache must run on both: {@code time.options().executor(executor)}.
     */
    static void advanceSwept(ManualTime time, TrackingExecutor executor, Duration step, long held) {
        Duration left = step;
        while (!left.isNegative() && !left.isZero()) {
            Duration move = left.compareTo(SWEEP_PERIOD) < 0 ? left : SWEEP_PERIOD;
            time.advance(move);
            left = left.minus(move);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (executor.running() > held) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the executor still runs " + executor.running() + " tasks, not "
                            + held + ", 10 s after the clock moved");
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Fast backoff so failure paths can be tested in milliseconds. */
    static CacheOptions.Builder fastBackoff() {
        return CacheOptions.builder().backoffBaseWait(Duration.ofMillis(20)).backoffMaxWait(Duration.ofMillis(200));
    }

    /** Calls the blocking {@code get} on a new thread; the future completes with what it threw, or null. */
    static <R extends CacheRequest> CompletableFuture<Throwable> getOnThread(
            TypedCache<R, ?> cache, R request) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                cache.get(request);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }, "test-caller");
        caller.start();
        callers.put(outcome, caller);
        return outcome;
    }

    private static final Map<CompletableFuture<Throwable>, Thread> callers =
            new ConcurrentHashMap<>();

    /** The thread running a {@link #getOnThread} call. */
    static Thread callerOf(CompletableFuture<Throwable> outcome) {
        return callers.get(outcome);
    }

    /**
     * Runs {@code call} on a thread of its own; the future completes with its result. The
     * thread is there to see whether the call is parked (waiting), which no snapshot shows.
     */
    static <T> OnThread<T> onThread(Callable<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "test-call");
        thread.setDaemon(true);
        thread.start();
        return new OnThread<>(thread, result);
    }

    record OnThread<T>(Thread thread, CompletableFuture<T> result) {

        /** Whether the call is parked: waiting on a monitor, a lock or a future, not running. */
        boolean parked() {
            Thread.State state = thread.getState();
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        }
    }

    /** How many reads wait on the entry of {@code key} right now (0 when there is no entry). */
    static int waiters(WatchCache cache, String key) {
        return cache.snapshot().entries().stream().filter(e -> e.key().equals(key))
                .mapToInt(CacheSnapshot.EntryView::waiters).sum();
    }

    /** A ticker the test moves by hand. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }
}
