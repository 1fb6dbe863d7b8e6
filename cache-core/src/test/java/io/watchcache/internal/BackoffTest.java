package io.watchcache.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    private final Backoff backoff = new Backoff(3, Duration.ofSeconds(1), Duration.ofMinutes(1), false);

    @Test
    void firstThreeFailuresAreFree() {
        assertThat(backoff.waitNanos(0)).isZero();
        assertThat(backoff.waitNanos(1)).isZero();
        assertThat(backoff.waitNanos(3)).isZero();
    }

    @Test
    void thenTwoToThePowerOfNMinusThreeSecondsCappedAtAMinute() {
        assertThat(Duration.ofNanos(backoff.waitNanos(4))).isEqualTo(Duration.ofSeconds(2));
        assertThat(Duration.ofNanos(backoff.waitNanos(5))).isEqualTo(Duration.ofSeconds(4));
        assertThat(Duration.ofNanos(backoff.waitNanos(8))).isEqualTo(Duration.ofSeconds(32));
        assertThat(Duration.ofNanos(backoff.waitNanos(9))).isEqualTo(Duration.ofMinutes(1));
        assertThat(Duration.ofNanos(backoff.waitNanos(200))).isEqualTo(Duration.ofMinutes(1));
        assertThat(Duration.ofNanos(backoff.waitNanos(Integer.MAX_VALUE))).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void jitterAddsUpToTheSameAgain() {
        Backoff jittered = new Backoff(3, Duration.ofSeconds(1), Duration.ofMinutes(1), true);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long wait = jittered.waitNanos(5);
            min = Math.min(min, wait);
            max = Math.max(max, wait);
        }
        assertThat(min).isBetween(Duration.ofSeconds(4).toNanos(), Duration.ofMillis(4400).toNanos());
        assertThat(max).isBetween(Duration.ofMillis(7600).toNanos(), Duration.ofSeconds(8).toNanos());
    }
}
