package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.ResultMeta;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Consistent reads ({@link RequestInfo#consistent()}): answers that reflect every write the
 * source acknowledged before the read started. For a type that tells which index an entry must
 * reach ({@link io.watchcache.CacheType#consistentIndex}):
 * <ol>
 *   <li>the entry's value is read, fetched first when there is none (any value will do: it
 *       hands the type the entry's state);</li>
 *   <li>the type says, from that state, which index the entry must reach;</li>
 *   <li>the entry answers once its index is there: at once ({@code consistent_hit}), or after it
 *       caught up ({@code consistent_wait}), within half the read's timeout;</li>
 *   <li>otherwise (the type could not tell in time, the entry did not catch up, a failure) a
 *       fetch past the cache answers with the rest of the timeout ({@code consistent_fallback}),
 *       or the read fails with the reason.</li>
 * </ol>
 * A type without the hook answers with a fetch past the cache, counted as any uncached read.
 * Either way no answer is older than the read: it comes from an entry whose index reached the
 * type's, or from a fetch that started after the read did.
 */
final class ConsistentReads {

    /** How long a consistent read may take when its request sets no timeout. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final CacheRuntime runtime;
    private final Reads reads;

    ConsistentReads(CacheRuntime runtime, Reads reads) {
        this.runtime = runtime;
        this.reads = reads;
    }

    /**
     * A consistent read of {@code request}; {@code fallback}: whether a fetch past the cache may
     * answer when the entry cannot (a watch's first value may not: its next reads follow the
     * entry, which must then have caught up). {@code inline}: the caller only waits for the
     * answer (a parked {@code get}, a watch that hands its answers on itself), so it may be
     * completed on whichever thread has it, a source client's included; otherwise (a
     * {@code getAsync} future, whose callbacks are the application's) it is completed on the
     * cache's executor.
     */
    CompletableFuture<Result<Object>> read(TypeRegistration type, CacheRequest request, RequestInfo info,
                                           boolean fallback, boolean inline) {
        runtime.requireOpen();
        if (info.key().isBlank() || !type.consistentReads) {
            return reads.bypass().fetchAsync(type, request, uncached(info, info.timeout()))
                    .thenApply(ConsistentReads::consistent);
        }
        Duration timeout = info.timeout() != null ? info.timeout() : DEFAULT_TIMEOUT;
        return new Attempt(type, request, info, timeout, fallback, inline).start();
    }

    private static Result<Object> consistent(Result<Object> result) {
        return new Result<>(result.value(), result.meta().asConsistent());
    }

    /** {@code info} for a read past the cache: no minimum index, within {@code timeout}. */
    private static RequestInfo uncached(RequestInfo info, @Nullable Duration timeout) {
        return info.toBuilder().consistent(false).minIndex(0).timeout(timeout).build();
    }

    /** One consistent read: its stages, the one running now (cancelled with the read), its clock. */
    private final class Attempt {

        private final TypeRegistration type;
        private final CacheRequest request;
        private final RequestInfo info;
        private final boolean fallback;
        private final boolean inline;
        private final long startNanos;
        private final long deadlineNanos;
        /** When the entry must have answered, or the fallback begins: half the timeout. */
        private final long entryDeadlineNanos;
        private final CompletableFuture<Result<Object>> answer = new CompletableFuture<>();
        private final AtomicReference<@Nullable CompletableFuture<?>> running = new AtomicReference<>();
        /** The entry did not answer: the fetch past the cache runs, and the entry's deadline no longer applies. */
        private volatile boolean fellBack;
        /** Answered or failed: by the entry, the fallback or the deadline, once. */
        private final AtomicBoolean settled = new AtomicBoolean();
        /** The entry's deadline, then the read's. */
        private volatile @Nullable Future<?> timer;

        Attempt(TypeRegistration type, CacheRequest request, RequestInfo info, Duration timeout, boolean fallback,
                boolean inline) {
            this.inline = inline;
            this.type = type;
            this.request = request;
            this.info = info;
            this.fallback = fallback;
            this.startNanos = runtime.ticker().read();
            this.deadlineNanos = startNanos + timeout.toNanos();
            this.entryDeadlineNanos = startNanos + timeout.toNanos() / 2;
        }

        CompletableFuture<Result<Object>> start() {
            // One timer: at the entry's deadline its stage is cancelled, which starts the fallback;
            // then again at the read's deadline, which fails it.
            timer = runtime.schedule(entryDeadlineNanos - startNanos, this::entryDeadlinePassed);
            answer.whenComplete((r, e) -> {
                Future<?> pending = timer;
                if (pending != null) {
                    pending.cancel(false);
                }
                cancelRunning();
            });
            // Any value first: it hands the type the entry's state.
            RequestInfo first = entryInfo(0);
            CompletableFuture<Result<Object>> fromEntry = run(reads.readUncounted(type, request, first))
                    .thenCompose(value -> {
                        FetchResult<Object> last = reads.lastResult(type, first);
                        if (last == null) {
                            throw new IllegalStateException("the entry left the cache");
                        }
                        CompletionStage<Long> index = type.type.consistentIndex(request, last,
                                Duration.ofNanos(Math.max(1, entryDeadlineNanos - runtime.ticker().read())));
                        return run(index.toCompletableFuture());
                    })
                    .thenCompose(this::caughtUp);
            fromEntry.whenComplete((result, error) -> {
                if (error == null) {
                    finish(result, result.meta().hit() ? TypeMetrics.GetResult.CONSISTENT_HIT
                            : TypeMetrics.GetResult.CONSISTENT_WAIT);
                } else if (!answer.isDone()) {
                    Throwable cause = Futures.unwrap(error);
                    fallBack(cause == null ? error : cause);
                }
            });
            return answer;
        }

        /** The entry's answer once its index is at least {@code index}; fails when it is not there in time. */
        private CompletableFuture<Result<Object>> caughtUp(long index) {
            if (index <= 0) {
                return run(reads.readUncounted(type, request, entryInfo(0)));
            }
            if (type.blocking) {
                return run(reads.readUncounted(type, request, entryInfo(index - 1))).thenApply(r -> reached(r, index));
            }
            // A type that cannot block: fetched again through the entry when it is behind.
            return run(reads.readUncounted(type, request, entryInfo(0))).thenCompose(r -> r.meta().index() >= index
                    ? CompletableFuture.completedFuture(r)
                    : run(reads.readUncounted(type, request, entryInfo(0).toBuilder().mustRevalidate(true).build()))
                            .thenApply(again -> reached(again, index)));
        }

        private Result<Object> reached(Result<Object> result, long index) {
            if (result.meta().index() < index) {
                throw new IllegalStateException("the entry did not reach index " + index + " (it is at "
                        + result.meta().index() + ")");
            }
            return result;
        }

        /** The entry's read for index {@code minIndex}, waiting at most until the entry's deadline. */
        private RequestInfo entryInfo(long minIndex) {
            long left = Math.max(1, entryDeadlineNanos - runtime.ticker().read());
            return info.toBuilder().consistent(false).minIndex(minIndex).maxAge(null).mustRevalidate(false)
                    .timeout(Duration.ofNanos(left)).build();
        }

        private void fallBack(Throwable why) {
            fellBack = true;
            if (!fallback || answer.isDone()) {
                fail(failure("the cache could not answer it (" + reason(why) + ")", why));
                return;
            }
            long left = deadlineNanos - runtime.ticker().read();
            if (left <= 0) {
                fail(failure("the cache could not answer it (" + reason(why)
                        + ") and no time is left to read past it", why));
                return;
            }
            run(reads.bypass().fetchUncounted(type, request, uncached(info, Duration.ofNanos(left))))
                    .whenComplete((result, error) -> {
                        if (error == null) {
                            finish(result, TypeMetrics.GetResult.CONSISTENT_FALLBACK);
                        } else {
                            Throwable unwrapped = Futures.unwrap(error);
                            Throwable cause = unwrapped == null ? error : unwrapped;
                            fail(failure("the cache could not answer it (" + reason(why)
                                    + ") and the read past it failed (" + reason(cause) + ")", cause));
                        }
                    });
        }

        private void finish(Result<Object> result, TypeMetrics.GetResult how) {
            // Counted before the caller hears: whoever reads the meters after the answer sees it.
            if (settled.compareAndSet(false, true)) {
                type.metrics.recordConsistent(how, runtime.ticker().read() - startNanos);
                Result<Object> consistent = consistent(result);
                settle(() -> answer.complete(consistent));
            }
        }

        private void fail(FetchFailedException failure) {
            if (settled.compareAndSet(false, true)) {
                settle(() -> answer.completeExceptionally(failure));
            }
        }

        /** Completes the answer here for a caller that only waits, else on the executor (user callbacks). */
        private void settle(Runnable completion) {
            if (inline) {
                completion.run();
            } else {
                runtime.executeOrRun(completion);
            }
        }

        private FetchFailedException failure(String what, Throwable cause) {
            return new FetchFailedException("consistent read of cache type '" + type.name + "', key '" + info.key()
                    + "' failed: " + what, cause, null, new ResultMeta(false, Duration.ZERO, 0));
        }

        private void entryDeadlinePassed() {
            if (!fellBack) {
                cancelRunning();
            }
            if (!answer.isDone()) {
                timer = runtime.schedule(Math.max(1, deadlineNanos - runtime.ticker().read()), () -> fail(
                        failure("no answer within " + (deadlineNanos - startNanos) / 1_000_000 + " ms",
                                new TimeoutException("consistent read timed out"))));
                if (answer.isDone()) {
                    timer.cancel(false);
                }
            }
        }

        /** Keeps {@code stage} as the one to cancel when the read ends or its entry deadline passes. */
        private <T> CompletableFuture<T> run(CompletableFuture<T> stage) {
            running.set(stage);
            if (answer.isDone()) {
                stage.cancel(false);
            }
            return stage;
        }

        private void cancelRunning() {
            CompletableFuture<?> now = running.getAndSet(null);
            if (now != null) {
                now.cancel(false);
            }
        }
    }

    private static String reason(Throwable error) {
        if (error instanceof CancellationException) {
            return "it did not answer within half the read's timeout";
        }
        if (error instanceof FetchFailedException failed && failed.getCause() != null) {
            error = failed.getCause();
        }
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }
}
