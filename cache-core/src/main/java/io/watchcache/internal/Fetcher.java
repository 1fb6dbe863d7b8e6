package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.micrometer.observation.Observation;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import org.jspecify.annotations.Nullable;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Runs a type's fetch once, the one way for cached entries and uncached (blank-key) reads
 * alike: a synchronous type on a thread that can be interrupted (the executor's, or the
 * caller's), an asynchronous one through the callback it answers or the stage it returns
 * (a caller who waits anyway waits on it through {@code fetch}); the fetch is observed (the type's
 * client call is a child of it) and timed; a null result becomes an error, a wrapped error is
 * unwrapped, and whether it is fatal is asked once. The owner of the fetch gets an
 * {@link Outcome}, applies it, and then ends the run with {@link Run#record}: the meters and
 * the observation see the fetch before anyone who waits for it hears of it.
 */
final class Fetcher {

    final CacheRuntime runtime;

    Fetcher(CacheRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * What one fetch ended with: a result or an error (never both, never neither).
     *
     * @param fatal     the error is one the type calls fatal (a cancellation never is)
     * @param tookNanos how long the fetch ran
     */
    record Outcome(Run run, @Nullable FetchResult<Object> result, @Nullable Throwable error, boolean fatal,
                   long tookNanos) {

        /** The result of a fetch that succeeded ({@code error} is null): never null then. */
        FetchResult<Object> success() {
            return Objects.requireNonNull(result, "a successful fetch has a result");
        }

        /** How the fetch is counted when its owner has nothing to add (see {@code Attempts}). */
        TypeMetrics.FetchOutcome counted() {
            return TypeMetrics.FetchOutcome.of(result, error, fatal);
        }
    }

    /**
     * One fetch in flight: the index it was asked to pass, the means to stop it, and (for an
     * asynchronous type) the callback the type answers. The options it was asked with are its
     * starter's, not kept: a fetch that waits for a change holds nothing it does not need.
     */
    static final class Run implements BiConsumer<FetchResult<Object>, Throwable> {

        private static final Object CANCELLED = new Object();
        private static final Object ANSWERED = new Object();
        private static final Object CALLING = new Object();

        final TypeRegistration type;
        /** The index the fetch was asked to pass (0: not a blocking query). */
        final long minIndex;
        /** Set by {@link #start} before the fetch begins; what ends the fetch happens after it. */
        private @Nullable Observation observation;
        private long startedNanos;
        private @Nullable Fetcher fetcher;
        private @Nullable Consumer<Outcome> done;
        /**
         * What cancel() stops: the thread of a synchronous fetch, an asynchronous one's stage or
         * cancel action; or CANCELLED; or, for an asynchronous fetch, CALLING while the type's call
         * has not returned, and ANSWERED once the type answered.
         */
        @GuardedBy("this")
        private @Nullable Object target;

        Run(TypeRegistration type, long minIndex) {
            this.type = type;
            this.minIndex = minIndex;
        }

        /**
         * An asynchronous type answered: the first answer counts, a second is ignored. An answer
         * given while the type's call has not returned is handled on the executor, so that a type
         * answering at once cannot recurse fetch, store, fetch on one stack; any other on the
         * thread that answers: it is short and never blocks, and a hop per answer would cost a
         * task per change.
         */
        @Override
        public void accept(@Nullable FetchResult<Object> result, @Nullable Throwable error) {
            boolean inCall;
            synchronized (this) {
                if (target == ANSWERED) {
                    return;
                }
                inCall = target == CALLING;
                target = ANSWERED;
            }
            Fetcher owner = Objects.requireNonNull(fetcher);
            Consumer<Outcome> callback = Objects.requireNonNull(done);
            if (inCall) {
                owner.runtime.execute(() -> callback.accept(owner.outcome(this, result, error)));
            } else {
                callback.accept(owner.outcome(this, result, error));
            }
        }

        private void begin(long now) {
            startedNanos = now;
            observation = type.metrics.startFetch();
        }

        /** Interrupts the thread running a synchronous fetch, or cancels an asynchronous one. Idempotent. */
        void cancel() {
            Object running;
            synchronized (this) {
                running = target;
                if (running == CANCELLED || running == ANSWERED) {
                    return;
                }
                target = CANCELLED;
                if (running instanceof Thread thread) {
                    thread.interrupt();
                    return;
                }
            }
            // A call not returned yet is stopped when it returns its cancel action (attach).
            if (running != null && running != CALLING) {
                stopFetch(running);
            }
        }

        /**
         * Counts the ended fetch as {@code counted} and ends its observation. Called once per
         * run, by its owner, once the outcome is applied and before anyone hears of it.
         */
        void record(TypeMetrics.FetchOutcome counted, long tookNanos, @Nullable Throwable error) {
            type.metrics.recordFetch(counted, tookNanos, observation, error);
        }

        private synchronized boolean enter() {
            if (target == CANCELLED) {
                return false;
            }
            target = Thread.currentThread();
            return true;
        }

        private void leave(boolean pooled) {
            synchronized (this) {
                if (target != CANCELLED) {
                    target = null;
                }
            }
            if (pooled) {
                // An interrupt aimed at this fetch must not leak into the pool thread's next task.
                Thread.interrupted();
            }
        }

        /** The asynchronous type's call begins; a run cancelled first stays cancelled. */
        private synchronized void calling() {
            if (target == null) {
                target = CALLING;
            }
        }

        /**
         * Keeps what cancels the asynchronous fetch (its stage or its cancel action); a run
         * cancelled first cancels the fetch now, and one answered already has nothing left to cancel.
         */
        private void attach(Object stop) {
            synchronized (this) {
                if (target == CALLING) {
                    target = stop;
                    return;
                }
                if (target == ANSWERED) {
                    return;
                }
            }
            stopFetch(stop);
        }

        /** Runs the cancel action of a type that answers the callback, or cancels the stage of one that does not. */
        private void stopFetch(Object stop) {
            if (type.answersCallback) {
                ((Runnable) stop).run();
            } else {
                ((CompletableFuture<?>) stop).cancel(true);
            }
        }
    }

    /**
     * A fetch of {@code type} asked to pass {@code minIndex}, not started yet: its owner keeps it
     * (to cancel) before {@link #start}.
     */
    Run newRun(TypeRegistration type, long minIndex) {
        return new Run(type, minIndex);
    }

    /**
     * Starts {@code run} with {@code options} (their minimum index is the run's); {@code done}
     * gets its outcome exactly once: on the executor for a synchronous type or an answer that was
     * ready at once (see {@link Run#accept}), else on the thread that answers. A run cancelled
     * before it starts ends with a {@link CancellationException}.
     */
    void start(Run run, FetchOptions<Object> options, CacheRequest request, Consumer<Outcome> done) {
        TypeRegistration type = run.type;
        run.fetcher = this;
        run.done = done;
        run.begin(runtime.now());
        if (type.asyncType == null) {
            runtime.execute(() -> done.accept(runHere(run, options, request, true)));
            return;
        }
        Object stop = null;
        run.calling();
        // The observation is current while the type starts its call, so a client span it opens
        // is this fetch's child. The run is the callback: nothing else is kept. A stage is kept as
        // it is, to cancel, not wrapped as the callback form's default would (one object fewer).
        try (Observation.Scope ignored = run.observation == null ? null : run.observation.openScope()) {
            if (type.answersCallback) {
                stop = type.asyncType.fetchAsync(options, request, run);
            } else {
                CompletableFuture<FetchResult<Object>> stage = type.asyncType.fetchAsync(options, request)
                        .toCompletableFuture();
                stop = stage;
                stage.whenComplete(run);
            }
        } catch (Throwable t) {
            run.accept(null, t);
        }
        if (stop != null) {
            run.attach(stop);
        }
    }

    /**
     * Runs a synchronous fetch of {@code type} on this thread, for a caller who waits anyway, and
     * records it. An interrupt of the caller reaches the type.
     */
    Outcome fetchHere(TypeRegistration type, FetchOptions<Object> options, CacheRequest request) {
        Run run = new Run(type, options.minIndex());
        run.begin(runtime.now());
        Outcome outcome = runHere(run, options, request, false);
        run.record(outcome.counted(), outcome.tookNanos(), outcome.error());
        return outcome;
    }

    /**
     * Runs a synchronous fetch on the current thread, unless the run was cancelled first. On a
     * pool thread ({@code pooled}) an interrupt is cleared after it; a caller's thread keeps its own.
     */
    private Outcome runHere(Run run, FetchOptions<Object> options, CacheRequest request, boolean pooled) {
        if (!run.enter()) {
            return outcome(run, null, new CancellationException("the fetch was cancelled before it started"));
        }
        FetchResult<Object> result = null;
        Throwable error = null;
        try (Observation.Scope ignored = run.observation == null ? null : run.observation.openScope()) {
            result = run.type.type.fetch(options, request);
        } catch (Throwable t) {
            error = t;
        } finally {
            run.leave(pooled);
        }
        return outcome(run, result, error);
    }

    private Outcome outcome(Run run, @Nullable FetchResult<Object> result, @Nullable Throwable error) {
        long took = runtime.now() - run.startedNanos;
        error = Futures.unwrap(error);
        if (error == null && result == null) {
            error = new IllegalStateException("cache type '" + run.type.name + "' returned no FetchResult");
        }
        boolean fatal = error != null && !(error instanceof CancellationException) && run.type.isFatal(error);
        return new Outcome(run, error == null ? result : null, error, fatal, took);
    }
}
