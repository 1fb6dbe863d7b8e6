package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache's executor when it runs on platform threads (no virtual threads, or the
 * application's choice): unbounded, yet it does not spawn a thread per task.
 *
 * <p>A cached pool creates a thread whenever a task finds no idle one, so a burst of tiny tasks
 * (10,000 watches woken by one change) leaves a hundred threads behind. Here a few core
 * workers take tasks from a queue, and a check on the timer thread adds workers while the
 * oldest queued task has waited longer than {@link #STALL_NANOS}: that is, while the workers
 * are busy with long work (a synchronous blocking fetch holds its worker for minutes). So it
 * never starves, however many tasks block, and short bursts cost no threads. Workers beyond
 * the core retire after a while idle.
 *
 * <p>A queue can also wait because the machine is busy (many entries starting on few cores), and
 * more threads would only share the same cores. So the check asks which busy workers are blocked
 * and which are computing (runnable, their CPU time moving), and adds one worker per blocked one:
 * none while all of them compute, however slowly a busy machine lets them.
 *
 * <p>It keeps the {@link java.util.concurrent.ExecutorService} contract: {@link #shutdown()}
 * refuses new tasks and runs those already queued, then the workers end; {@link #shutdownNow()}
 * returns the queued tasks and interrupts the running ones; {@link #awaitTermination} waits for
 * the last worker without polling.
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

    /** Queued once per worker by {@link #shutdown()}, behind the tasks: the worker that takes one ends. */
    private static final Task STOP = new Task(() -> { }, 0);

    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final ThreadFactory threads;
    private final int core;
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private final ScheduledFuture<?> check;
    private volatile boolean shutdown;
    /** Completed when the executor is shut down and its last worker has ended. */
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    // Guarded by itself.
    @GuardedBy("live")
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
        Task task = new Task(command, System.nanoTime());
        queue.add(task);
        if (shutdown && queue.remove(task)) {
            // Shut down meanwhile: its workers may have gone already.
            throw new RejectedExecutionException("executor is shut down");
        }
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
     * CPU for at least {@link #COMPUTING_SHARE} of the time since the last sample (idle workers wait on the queue;
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
            while (true) {
                idle.incrementAndGet();
                Task task;
                try {
                    // Core workers wait for ever; the others go when they have been idle a while.
                    // Once shut down, a worker takes what is queued and ends when nothing is.
                    task = shutdown ? queue.poll()
                            : workers.get() <= core ? queue.take() : queue.poll(SPARE_IDLE_SECONDS, TimeUnit.SECONDS);
                } finally {
                    idle.decrementAndGet();
                }
                if (task == STOP || (task == null && (shutdown || workers.get() > core))) {
                    return;
                }
                if (task == null) {
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
            synchronized (live) {
                live.remove(Thread.currentThread());
            }
            if (workers.decrementAndGet() == 0 && shutdown) {
                terminated.complete(null);
            }
        }
    }

    /** Threads started over the executor's life (for tests). */
    long threadsStarted() {
        return started.get();
    }

    /** Refuses new tasks; the queued ones still run, then each worker ends (one {@link #STOP} each). */
    @Override
    public void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        check.cancel(false);
        int running;
        synchronized (live) {
            running = live.size();
        }
        for (int i = 0; i < running; i++) {
            queue.add(STOP);
        }
        if (workers.get() == 0) {
            terminated.complete(null);
        }
    }

    /** Refuses new tasks, returns those not started and interrupts the running ones. */
    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> pending = new ArrayList<>();
        Task task;
        while ((task = queue.poll()) != null) {
            if (task != STOP) {
                pending.add(task.work());
            }
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
        return terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            terminated.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
