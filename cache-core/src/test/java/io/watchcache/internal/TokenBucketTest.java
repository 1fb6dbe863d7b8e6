package io.watchcache.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void anUnlimitedRateIsNoBucketEvenWhenALimitIsLifted() {
        assertThat(TokenBucket.of(Double.POSITIVE_INFINITY, 2, null)).isNull();
        assertThat(TokenBucket.of(Double.POSITIVE_INFINITY, 2, new TokenBucket(1, 1))).isNull();
    }

    @Test
    void burstIsFreeThenEachTokenWaitsItsTurn() {
        TokenBucket bucket = new TokenBucket(2, 2); // 2 per second: one token every 500 ms
        assertThat(bucket.reserve(0)).isZero();
        assertThat(bucket.reserve(0)).isZero();
        assertThat(bucket.reserve(0)).isEqualTo(SECOND / 2);
        assertThat(bucket.reserve(0)).isEqualTo(SECOND);
    }

    @Test
    void tokensRefillOverTimeUpToTheBurst() {
        TokenBucket bucket = new TokenBucket(1, 2);
        bucket.reserve(0);
        bucket.reserve(0);
        // Ten idle seconds refill only up to the burst of two.
        assertThat(bucket.reserve(10 * SECOND)).isZero();
        assertThat(bucket.reserve(10 * SECOND)).isZero();
        assertThat(bucket.reserve(10 * SECOND)).isEqualTo(SECOND);
    }

    @Test
    void reservationForTheFutureCountsFromThen() {
        TokenBucket bucket = new TokenBucket(1, 1);
        assertThat(bucket.reserve(0)).isZero();
        // A fetch that would start 300 ms from now waits the remaining 700 ms.
        assertThat(bucket.reserve(SECOND * 3 / 10)).isEqualTo(SECOND * 7 / 10);
    }

    @Test
    void aNewRateReconfiguresTheBucketItHas() {
        TokenBucket bucket = new TokenBucket(1, 2);
        assertThat(TokenBucket.of(10, 1, bucket)).isSameAs(bucket);
        assertThat(bucket.reserve(0)).isZero();
        assertThat(bucket.reserve(0)).as("one token every 100 ms, a burst of one").isEqualTo(SECOND / 10);
    }
}
