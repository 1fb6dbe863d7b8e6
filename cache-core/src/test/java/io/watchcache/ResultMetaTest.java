package io.watchcache;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultMetaTest {

    @Test
    void aFixedMetaBehavesLikeTheRecordItReplaced() {
        ResultMeta meta = new ResultMeta(true, Duration.ofMillis(5), 42);

        assertThat(meta.hit()).isTrue();
        assertThat(meta.age()).isEqualTo(Duration.ofMillis(5));
        assertThat(meta.index()).isEqualTo(42);
        assertThat(meta).isEqualTo(new ResultMeta(true, Duration.ofMillis(5), 42))
                .hasSameHashCodeAs(new ResultMeta(true, Duration.ofMillis(5), 42))
                .isNotEqualTo(new ResultMeta(false, Duration.ofMillis(5), 42))
                .isNotEqualTo(new ResultMeta(true, Duration.ofMillis(6), 42))
                .isNotEqualTo(new ResultMeta(true, Duration.ofMillis(5), 43));
        assertThat(meta).hasToString("ResultMeta[hit=true, age=PT0.005S, index=42]");
        assertThatThrownBy(() -> new ResultMeta(true, null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void anAgingMetaReadsItsAgeWhenAskedAndNeverBelowZero() {
        AtomicLong now = new AtomicLong(1_000);
        ResultMeta meta = ResultMeta.aging(false, 400, now::get, 7);

        assertThat(meta.age()).isEqualTo(Duration.ofNanos(600));
        now.set(2_400);
        assertThat(meta.age()).isEqualTo(Duration.ofNanos(2_000));
        assertThat(meta).isEqualTo(new ResultMeta(false, Duration.ofNanos(2_000), 7))
                .hasToString("ResultMeta[hit=false, age=PT0.000002S, index=7]");
        now.set(100);
        assertThat(meta.age()).isEqualTo(Duration.ZERO);
    }

    @Test
    void itsJavaBeanPropertiesAreItsThreeComponents() {
        AtomicLong now = new AtomicLong(1_000);
        ResultMeta meta = ResultMeta.aging(true, 400, now::get, 7);

        assertThat(meta.isHit()).isTrue();
        assertThat(meta.getAge()).isEqualTo(Duration.ofNanos(600));
        assertThat(meta.getIndex()).isEqualTo(7);
    }
}
