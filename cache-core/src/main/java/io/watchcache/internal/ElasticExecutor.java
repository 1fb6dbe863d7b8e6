package io.watchcache.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The platform-thread executor (Java 17-20): unbounded, yet it does not spawn a thread per task.
 *
 * <p>A cached pool creates a thread whenever a task finds no idle one, so a burst of tiny tasks
 * (10,000 watches woken by one change) leaves a hundred threads behind. Here a few core
 * workers take tasks from a queue, and a check on the timer thread adds workers while the
 * oldest queued task has waited longer than {@link #STALL_NANOS}: that is, while the workers
 * are busy with long work (a synchronous blocking fetch holds its worker for minutes). So it
 * never starves, however many tasks block, and short bursts cost no threads. Workers beyond
 * the core retire after a while idle.
 *
 * <p>A queue can also wait because the machine is busy: 100,000 watched entries starting on two
 * cores kept the oldest task waiting for seconds, and the pool grew to a hundred threads that
 * only shared the same cores. So the check asks which busy workers are blocked and which are
 * computing (runnable, their CPU time moving), and adds one worker per blocked one: none while
 * all of them compute, however slowly a busy machine lets them.
 */
final class ElasticExecutor extends AbstractExecutorService {

    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long CHECK_MILLIS = 10;
    private static final long SPARE_IDLE_SECONDS = 30;

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = cpuTimeAvailable();
    /**
     * A runnable worker that was on a CPU for at least this share of the time since the last
     * sample is computing: however busy the machine, a computing thread gets more than that,
     * and a blocked one (even one "runnable" in a socket read) gets next to nothing.
     */
    private static final double COMPUTING_SHARE = 0.01;
    /** Workers are judged over at least this long: over a few milliseconds a busy machine may not run them at all. */
    private static final long JUDGE_OVER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A sample older than this says nothing about now: take a new one and judge from it. */
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private record Task(Runnable work, long queuedAt) {
    }

    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final ThreadFactory threads;
    private final int core;
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private final ScheduledFuture<?> check;
    private volatile boolean shutdown;
    // Guarded by itself.
    private final List<Thread> live = new ArrayList<>();
    /** Each live worker's CPU time at {@link #sampledAt}; only the timer thread touches them. */
    private Map<Thread, Long> cpuAtSample = new HashMap<>();
    private long sampledAt;

    ElasticExecutor(int core, ThreadFactory threads, ScheduledExecutorService timer) {
        this.core = core;
        this.threads = threads;
        this.check = timer.scheduleWithFixedDelay(this::compensate, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable command) {
        if (shutdown) {
            throw new RejectedExecutionException("executor is shut down");
        }
        queue.add(new Task(command, System.nanoTime()));
        if (idle.get() == 0 && workers.get() < core) {
            addWorker();
        }
    }

    /**
     * When the oldest task has waited too long, the busy workers are not coming back soon: add
     * a worker for each blocked one, judged every 50 ms, so the pool at most doubles per 50 ms
     * (without CPU times: doubling per check, blocked or not). Doubling reaches a thousand parked
     * fetches in about ten steps, yet a long queue of short tasks behind a few blocked workers is
     * drained by the first new ones instead of starting a thread per task.
     */
    private void compensate() {
        Task oldest = queue.peek();
        if (oldest == null || shutdown || System.nanoTime() - oldest.queuedAt() < STALL_NANOS) {
            return;
        }
        int replace = Math.max(core, workers.get());
        if (CPU_TIME) {
            long now = System.nanoTime();
            long age = now - sampledAt;
            if (age < JUDGE_OVER_NANOS) {
                return;
            }
            int computing = sampleComputing(now);
            replace = workers.get() - Math.max(0, idle.get()) - computing;
            if (age > SAMPLE_NANOS || replace <= 0) {
                // No recent sample to judge by, or every busy worker computes: more would not help.
                return;
            }
        }
        int wanted = queue.size() - Math.max(0, idle.get());
        int added = Math.min(wanted, replace);
        for (int i = 0; i < added; i++) {
            addWorker();
        }
    }

    /**
     * Samples every live worker's CPU time; returns how many are computing: runnable, and on a
     * CPU for at least a tenth of the time since the last sample (idle workers wait on the queue;
     * a blocked one waits on a lock, a fetch or a socket, which may show as runnable but uses no
     * CPU).
     */
    private int sampleComputing(long now) {
        List<Thread> workersNow;
        synchronized (live) {
            workersNow = new ArrayList<>(live);
        }
        long wall = Math.max(1, now - sampledAt);
        int computing = 0;
        Map<Thread, Long> before = cpuAtSample;
        cpuAtSample = new HashMap<>();
        for (Thread worker : workersNow) {
            @SuppressWarnings("deprecation") // threadId() is Java 19+.
            long cpu = CPU.getThreadCpuTime(worker.getId());
            if (cpu < 0) {
                continue;
            }
            cpuAtSample.put(worker, cpu);
            Long earlier = before.get(worker);
            boolean runnable = worker.getState() == Thread.State.RUNNABLE;
            if (earlier != null && runnable && cpu - earlier >= COMPUTING_SHARE * wall) {
                computing++;
            }
        }
        sampledAt = now;
        return computing;
    }

    private static boolean cpuTimeAvailable() {
        try {
            return CPU.isThreadCpuTimeSupported() && CPU.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private void addWorker() {
        workers.incrementAndGet();
        started.incrementAndGet();
        Thread thread = threads.newThread(this::work);
        synchronized (live) {
            live.add(thread);
        }
        thread.start();
    }

    private void work() {
        try {
            while (!shutdown) {
                idle.incrementAndGet();
                Task task;
                try {
                    // Core workers wait for ever; the others go when they have been idle a while.
                    task = workers.get() <= core ? queue.take() : queue.poll(SPARE_IDLE_SECONDS, TimeUnit.SECONDS);
                } finally {
                    idle.decrementAndGet();
                }
                if (task == null) {
                    if (workers.get() > core) {
                        return;
                    }
                    continue;
                }
                try {
                    task.work().run();
                } catch (Throwable t) {
                    Thread current = Thread.currentThread();
                    current.getUncaughtExceptionHandler().uncaughtException(current, t);
                }
                // A task's interrupt (close interrupts fetches) must not reach the next task.
                Thread.interrupted();
            }
        } catch (InterruptedException e) {
            // shutdownNow
        } finally {
            workers.decrementAndGet();
            synchronized (live) {
                live.remove(Thread.currentThread());
            }
        }
    }

    /** Threads started over the executor's life (for tests). */
    long threadsStarted() {
        return started.get();
    }

    @Override
    public void shutdown() {
        shutdown = true;
        check.cancel(false);
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> pending = new ArrayList<>();
        Task task;
        while ((task = queue.poll()) != null) {
            pending.add(task.work());
        }
        synchronized (live) {
            live.forEach(Thread::interrupt);
        }
        return pending;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && workers.get() == 0;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!isTerminated()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
