package io.watchcache.testing;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.SourceSignals;

import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cache type the test drives step by step: every fetch records its options and then blocks
 * until the test hands it an answer with {@link #answer}. That makes "a fetch is running right
 * now" a state a test can hold.
 */
public class ScriptedType implements CacheType<CacheRequest, String> {

    public interface Step {
        FetchResult<String> run(FetchOptions<String> options) throws Exception;
    }

    public final BlockingDeque<Step> steps = new LinkedBlockingDeque<>();
    public final List<FetchOptions<String>> calls = new CopyOnWriteArrayList<>();
    public final List<Long> callTimes = new CopyOnWriteArrayList<>();
    public final AtomicInteger running = new AtomicInteger();
    public final AtomicInteger maxRunning = new AtomicInteger();
    public final AtomicInteger interrupted = new AtomicInteger();
    private final RegisterOptions options;
    public volatile Class<? extends Throwable> fatal;
    /** What each registration handed over, newest last. */
    public final List<SourceSignals> signals = new CopyOnWriteArrayList<>();

    public ScriptedType(RegisterOptions options) {
        this.options = options;
    }

    public static ScriptedType blocking() {
        return new ScriptedType(RegisterOptions.builder().supportsBlocking(true).build());
    }

    public static ScriptedType refreshingBlocking() {
        return new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true).build());
    }

    public static ScriptedType plain() {
        return new ScriptedType(RegisterOptions.defaults());
    }

    public ScriptedType answer(String value, long index) {
        steps.add(o -> FetchResult.of(value, index));
        return this;
    }

    public ScriptedType fail(Exception error) {
        steps.add(o -> {
            throw error;
        });
        return this;
    }

    public ScriptedType answer(Step step) {
        steps.add(step);
        return this;
    }

    public int fetches() {
        return calls.size();
    }

    @Override
    public FetchResult<String> fetch(FetchOptions<String> options, CacheRequest request) throws Exception {
        calls.add(options);
        callTimes.add(System.nanoTime());
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            Step step;
            while ((step = steps.poll(10, TimeUnit.MILLISECONDS)) == null) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
            }
            if (Thread.interrupted()) {
                // Cancelled as the answer came: a wait that is signalled and interrupted at once
                // returns the element with the interrupt set again. The answer is for the next fetch.
                steps.offerFirst(step);
                throw new InterruptedException();
            }
            return step.run(options);
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public RegisterOptions registerOptions() {
        return options;
    }

    @Override
    public void registered(String name, SourceSignals signals) {
        this.signals.add(signals);
    }

    @Override
    public boolean isFatal(Throwable error) {
        return fatal != null && fatal.isInstance(error);
    }
}
