package io.watchcache;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cache type the test drives step by step: every fetch records its options and then blocks
 * until the test hands it an answer with {@link #answer}. That makes "a fetch is running right
 * now" a state a test can hold.
 */
class ScriptedType implements CacheType<CacheRequest, String> {

    interface Step {
        FetchResult<String> run(FetchOptions<String> options) throws Exception;
    }

    final BlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    final List<FetchOptions<String>> calls = new CopyOnWriteArrayList<>();
    final List<Long> callTimes = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();
    private final RegisterOptions options;
    volatile Class<? extends Throwable> fatal;
    /** What each registration handed over, newest last. */
    final List<SourceSignals> signals = new CopyOnWriteArrayList<>();

    ScriptedType(RegisterOptions options) {
        this.options = options;
    }

    static ScriptedType blocking() {
        return new ScriptedType(RegisterOptions.builder().supportsBlocking(true).build());
    }

    static ScriptedType refreshingBlocking() {
        return new ScriptedType(RegisterOptions.builder().supportsBlocking(true).refresh(true).build());
    }

    static ScriptedType plain() {
        return new ScriptedType(RegisterOptions.defaults());
    }

    ScriptedType answer(String value, long index) {
        steps.add(o -> FetchResult.of(value, index));
        return this;
    }

    ScriptedType fail(Exception error) {
        steps.add(o -> {
            throw error;
        });
        return this;
    }

    ScriptedType answer(Step step) {
        steps.add(step);
        return this;
    }

    int fetches() {
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
