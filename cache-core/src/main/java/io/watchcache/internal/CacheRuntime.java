package io.watchcache.internal;

import io.watchcache.CacheOptions;
import io.watchcache.Scheduler;
import io.watchcache.Ticker;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What entries, waiters and watches need from the cache they live in, and nothing more: the
 * clocks, the scheduler, the executor, the closed flag, and the reloadable fetch settings
 * (backoff, rate limit).
 */
final class CacheRuntime implements FetchLoop.Timing {

    private static final Logger log = LoggerFactory.getLogger(CacheRuntime.class);

    private final Ticker ticker;
    /** The time of use and age: {@link CoarseTicker} over the system clock, else the injected ticker. */
    private final Ticker coarse;
    /** The cache's own thread: it runs the coarse clock, the executor's checks and, by default, the scheduler. */
    private final ScheduledThreadPoolExecutor timer;
    private final Scheduler scheduler;
    private final Executor executor;
    /** The executor the cache made itself (and so shuts down), or null when the application gave one. */
    private final @Nullable ExecutorService ownedExecutor;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by drain(): from then on, callers are answered with what the cache has, never parked. */
    private volatile boolean draining;
    /** Swapped whole by {@link #reload}; read by every fetch. */
    private volatile CacheOptions options;
    private volatile Backoff backoff;

    CacheRuntime(CacheOptions options) {
        this.options = options;
        this.backoff = Backoff.from(options);
        this.ticker = options.ticker();
        this.timer = Threads.timer();
        this.coarse = ticker == Ticker.system() ? new CoarseTicker(timer) : ticker;
        this.scheduler = options.scheduler() != null ? options.scheduler() : timer::schedule;
        this.ownedExecutor = options.executor() != null ? null : Threads.ownExecutor(options.virtualThreads(), timer);
        this.executor = ownedExecutor != null ? ownedExecutor : Objects.requireNonNull(options.executor());
    }

    @Override
    public long now() {
        return ticker.read();
    }

    /** The precise clock: fetch timings, maxAge, rate limits. */
    Ticker ticker() {
        return ticker;
    }

    /**
     * The cheap clock, for what every hit records: use (idleness, {@code lastGetTtl}). Over the
     * system clock it lags by up to {@link CoarseTicker#RESOLUTION_MILLIS} ms; an injected
     * ticker is used as is. Ages are read on the precise {@link #ticker()}.
     */
    Ticker coarseTicker() {
        return coarse;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Executor executor() {
        return executor;
    }

    @Override
    public Backoff backoff() {
        return backoff;
    }

    /** A rate bucket for a new entry, or null when fetches are not rate limited (the default). */
    @Nullable TokenBucket newBucket() {
        CacheOptions current = options;
        return TokenBucket.of(current.entryFetchRate(), current.entryFetchMaxBurst(), null);
    }

    /** Takes the reloadable settings of {@code next}; returns the options they replace. */
    CacheOptions reload(CacheOptions next) {
        CacheOptions previous = options;
        options = next;
        backoff = Backoff.from(next);
        return previous;
    }

    boolean isClosed() {
        return closed.get();
    }

    void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("WatchCache is closed");
        }
    }

    boolean draining() {
        return draining;
    }

    /** Marks the runtime draining, for good. */
    void markDraining() {
        draining = true;
    }

    /** Marks the runtime closed; true only for the first call. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    /** Stops the timer, and interrupts fetches still running on the cache's own executor. */
    void shutdown() {
        timer.shutdownNow();
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    /** Runs {@code task} on the executor; after close, work that is refused is dropped. */
    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed.get()) {
                throw e;
            }
        }
    }

    /** Runs {@code task} on the executor, or here once the executor refuses work (the cache is closing). */
    void executeOrRun(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** Runs {@code task} on the executor after {@code delayNanos}; the scheduler only counts time. */
    @Override
    public Future<?> schedule(long delayNanos, Runnable task) {
        try {
            return scheduler.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (!closed.get()) {
                throw e;
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Closes an entry's fetch state if it is {@link AutoCloseable}; a failure is logged, not thrown. */
    void closeQuietly(Object state, EntryKey key) {
        if (state instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("Closing the state of {} failed", key, e);
            }
        }
    }
}
