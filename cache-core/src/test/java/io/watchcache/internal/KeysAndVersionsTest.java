package io.watchcache.internal;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The compact forms of an entry's key and of a snapshot's version keep their meaning. */
class KeysAndVersionsTest {

    private static final TypeRegistration TYPE = new TypeRegistration(0, "t",
            (CacheType<CacheRequest, Object>) (o, r) -> null,
            RegisterOptions.builder().queryTimeout(Duration.ofMinutes(10)).lastGetTtl(Duration.ofHours(1)).build(),
            new TypeMetrics(new CompositeMeterRegistry(), null, "t", false));

    @Test
    void aPlainKeyEqualsOnlyTheSameKeyAndNeverOneWithAPartitionOrAToken() {
        EntryKey plain = EntryKey.of(TYPE, RequestInfo.builder().key("k").build());
        EntryKey again = EntryKey.of(TYPE, RequestInfo.builder().key("k").build());
        EntryKey partitioned = EntryKey.of(TYPE, RequestInfo.builder().key("k").partition("p").build());
        EntryKey withToken = EntryKey.of(TYPE, RequestInfo.builder().key("k").token("secret").build());
        EntryKey sameToken = EntryKey.of(TYPE, RequestInfo.builder().key("k").token("secret").build());

        assertThat(plain.plain()).isTrue();
        assertThat(partitioned.plain()).isFalse();
        assertThat(plain).isEqualTo(again).hasSameHashCodeAs(again);
        assertThat(plain).isNotEqualTo(partitioned).isNotEqualTo(withToken);
        assertThat(partitioned).isNotEqualTo(plain).isNotEqualTo(withToken);
        assertThat(withToken).isEqualTo(sameToken).hasSameHashCodeAs(sameToken);
        assertThat(withToken.toString()).doesNotContain("secret").contains("key=k");
        assertThat(partitioned.partition()).isEqualTo("p");
        assertThat(plain.partition()).isEmpty();
    }

    @Test
    void aSnapshotIsNewerThanTheOneBeforeItEvenWhereTheVersionWraps() {
        Snapshot last = new Snapshot("v", null, 1, null, true, 0, Snapshot.NONE, false, false, Integer.MAX_VALUE);
        Snapshot next = last.succeeded(FetchResult.of("w", 2), 10);

        assertThat(next.version()).isEqualTo(Integer.MIN_VALUE);
        assertThat(next.newer(last.version())).isTrue();
        assertThat(last.newer(next.version())).isFalse();
        assertThat(next.newer(next.version())).isFalse();
    }
}
