package io.watchcache.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ElasticExecutorTest {

    private final ScheduledThreadPoolExecutor timer = Threads.timer();
    private final ElasticExecutor executor = new ElasticExecutor(2, Threads.daemonFactory("elastic-test-"), timer);

    @AfterEach
    void close() {
        executor.shutdownNow();
        timer.shutdownNow();
    }

    /** Occupies {@code count} workers until {@code release} opens; returns once all of them block. */
    private void blockWorkers(int count, CountDownLatch release) throws InterruptedException {
        CountDownLatch blocked = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            executor.execute(() -> {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        // All of them block at the same time: the pool grew past its core workers as needed.
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aBurstOfShortTasksRunsOnAFewThreads() {
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 10_000; i++) {
            executor.execute(done::incrementAndGet);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 10_000);
        // A cached pool would have started a thread for most tasks that found no idle one.
        assertThat(executor.threadsStarted()).isLessThan(20);
    }

    @Test
    void blockedWorkersAreCompensatedSoNothingStarves() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        blockWorkers(50, release);
        CountDownLatch ran = new CountDownLatch(1);

        executor.execute(ran::countDown);

        assertThat(ran.await(5, TimeUnit.SECONDS)).as("a task behind fifty blocked workers runs").isTrue();
        release.countDown();
    }

    @Test
    void workersThatComputeAreNotMultipliedByAQueueThatWaitsForTheCpu() {
        // Forty tasks of 30 ms of CPU each on two workers: the queue waits for over half a
        // second, and not because anything blocks. Doubling would have reached dozens of threads.
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 40; i++) {
            executor.execute(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
                long spins = 0;
                while (System.nanoTime() < until) {
                    spins++;
                }
                if (spins >= 0) {
                    done.incrementAndGet();
                }
            });
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> done.get() == 40);
        assertThat(executor.threadsStarted()).as("threads started for CPU-bound work").isLessThanOrEqualTo(6);
    }

    @Test
    void shortTasksQueuedBehindBlockedWorkersDoNotStartAThreadEach() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        blockWorkers(2, release);
        AtomicInteger done = new AtomicInteger();

        for (int i = 0; i < 10_000; i++) {
            executor.execute(done::incrementAndGet);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 10_000);
        // Growth doubles per check: a few new workers drain the queue, not ten thousand.
        assertThat(executor.threadsStarted()).isLessThan(100);
        release.countDown();
    }

    @Test
    void shutdownNowInterruptsRunningTasksAndRefusesNewOnes() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        executor.execute(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        executor.shutdownNow();

        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> executor.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anInterruptOfOneTaskDoesNotLeakIntoTheNext() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        executor.execute(() -> {
            Thread.currentThread().interrupt();
            first.countDown();
        });
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicInteger interruptedNext = new AtomicInteger(-1);
        CountDownLatch second = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            executor.execute(() -> {
                interruptedNext.set(Thread.currentThread().isInterrupted() ? 1 : 0);
                second.countDown();
            });
        }

        assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(interruptedNext.get()).isZero();
    }

    @Test
    void shutdownRunsWhatIsQueuedThenEveryWorkerEndsIdleOnesIncluded() throws Exception {
        // Two idle core workers, waiting on the queue.
        executor.submit(() -> { }).get(5, TimeUnit.SECONDS);
        executor.submit(() -> { }).get(5, TimeUnit.SECONDS);
        CountDownLatch release = new CountDownLatch(1);
        blockWorkers(2, release);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            executor.execute(ran::incrementAndGet);
        }

        executor.shutdown();
        assertThatThrownBy(() -> executor.execute(ran::incrementAndGet))
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(executor.awaitTermination(100, TimeUnit.MILLISECONDS)).as("blocked workers still run").isFalse();
        release.countDown();

        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.isTerminated()).isTrue();
        assertThat(ran).as("queued before shutdown: all of them ran").hasValue(10);
    }

    @Test
    void shutdownNowReturnsTheTasksNotStartedAndInterruptsTheRunningOnes() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        blockWorkers(2, never);
        Runnable queued = () -> { };
        executor.execute(queued);

        assertThat(executor.shutdownNow()).containsExactly(queued);
        // The blocked workers were interrupted out of their wait, and ended.
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anExecutorThatNeverRanATaskTerminatesOnShutdown() throws Exception {
        executor.shutdown();
        assertThat(executor.awaitTermination(1, TimeUnit.SECONDS)).isTrue();
    }
}
