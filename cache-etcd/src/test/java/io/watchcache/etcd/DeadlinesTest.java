package io.watchcache.etcd;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The deadline wheel on a small, fast scale (8 slots of 20 ms: a rotation every 160 ms), so that
 * waits span several rotations: none expires early, each expires once, a removed one never.
 */
class DeadlinesTest {

    /** Records when it expired, as the wheel saw it. */
    static final class Wait extends Deadlines.Waiting {
        final long startedNanos = System.nanoTime();
        final Duration timeout;
        volatile long expiredAfterNanos = -1;
        final AtomicInteger expiries = new AtomicInteger();
        volatile boolean done;

        Wait(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        void expired() {
            expiredAfterNanos = System.nanoTime() - startedNanos;
            expiries.incrementAndGet();
            done = true;
        }

        @Override
        boolean isDone() {
            return done;
        }
    }

    private final Deadlines deadlines = new Deadlines(EtcdTime.system(), Duration.ZERO, Duration.ofMillis(20), 8);

    @Test
    void everyWaitExpiresOnceNeverBeforeItsDeadlineAndRemovedOnesNever() {
        List<Wait> expiring = new ArrayList<>();
        List<Wait> removed = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Wait wait = new Wait(Duration.ofMillis(10 + i * 5L));
            deadlines.add(wait, wait.timeout);
            if (i % 4 == 0) {
                // Answered at once, as most fetches are: it leaves the wheel.
                deadlines.remove(wait);
                removed.add(wait);
            } else {
                expiring.add(wait);
            }
        }
        // Removing twice changes nothing.
        removed.forEach(deadlines::remove);
        assertThat(deadlines.size()).isEqualTo(expiring.size());

        await().atMost(Duration.ofSeconds(20)).until(() -> expiring.stream().allMatch(Wait::isDone));
        for (Wait wait : expiring) {
            assertThat(wait.expiredAfterNanos).as("expired after (ns), timeout " + wait.timeout)
                    .isGreaterThanOrEqualTo(wait.timeout.toNanos());
            assertThat(wait.expiries).hasValue(1);
        }
        assertThat(removed).allMatch(w -> !w.isDone() && w.expiries.get() == 0);
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void aWaitShorterThanALongWaitHasItsOwnTimerAndCanBeRemoved() {
        Deadlines longOnly = new Deadlines(EtcdTime.system(), Duration.ofSeconds(10), Duration.ofSeconds(1), 1024);
        Wait quick = new Wait(Duration.ofMillis(50));
        Wait dropped = new Wait(Duration.ofMillis(50));
        longOnly.add(quick, quick.timeout);
        longOnly.add(dropped, dropped.timeout);
        longOnly.remove(dropped);
        assertThat(longOnly.size()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(quick::isDone);
        assertThat(quick.expiredAfterNanos).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(dropped.expiries).hasValue(0);
    }
}
