package io.watchcache.internal;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Ticker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of the one freshness rule, as a table. Columns: the type (blocking? refreshing?),
 * the entry (valid? index, reset? age in seconds), the request (minIndex, maxAge in seconds or
 * -1 for none, mustRevalidate), who looks (FIRST or AFTER_STORE, and whether it follows resets
 * as a watch does), and whether the entry satisfies it.
 */
@SuppressWarnings("checkstyle:LineLength") // the table reads best one case per line
class FreshnessTest {

    private static final AtomicLong NOW = new AtomicLong(Duration.ofHours(1).toNanos());
    private static final Ticker TICKER = NOW::get;

    @ParameterizedTest(name = "{index}: {12}")
    @CsvSource(delimiter = '|', textBlock = """
            # blocking|refresh|valid|index|reset|ageS|minIndex|maxAgeS|revalidate|look       |follows|satisfied|note
            true      |true   |false|0    |false|0   |0       |-1     |false     |FIRST      |false  |false    |an entry with no value satisfies nobody
            true      |true   |true |5    |false|0   |0       |-1     |false     |FIRST      |false  |true     |no minIndex: any valid value
            true      |true   |true |5    |false|0   |4       |-1     |false     |FIRST      |false  |true     |past the minIndex
            true      |true   |true |5    |false|0   |5       |-1     |false     |FIRST      |false  |false    |at the minIndex: wait for a change
            true      |true   |true |5    |false|0   |9       |-1     |false     |FIRST      |false  |false    |below the minIndex, a first look: wait (not a reset)
            true      |true   |true |5    |true |0   |9       |-1     |false     |FIRST      |false  |false    |a reset seen at a first look: still wait
            true      |true   |true |5    |true |0   |9       |-1     |false     |AFTER_STORE|false  |true     |a waiter hears of a reset: answer at once
            true      |true   |true |5    |false|0   |9       |-1     |false     |AFTER_STORE|false  |false    |a waiter, a store below its minIndex without reset: wait
            true      |true   |true |5    |false|0   |9       |-1     |false     |FIRST      |true   |true     |a watch below what it delivered: the source went back
            true      |true   |true |5    |false|0   |5       |-1     |false     |FIRST      |true   |false    |a watch at what it delivered: wait
            false     |false  |true |5    |false|0   |9       |-1     |false     |FIRST      |false  |true     |a non-blocking type ignores minIndex
            false     |false  |true |5    |false|30  |0       |60     |false     |FIRST      |false  |true     |younger than maxAge
            false     |false  |true |5    |false|90  |0       |60     |false     |FIRST      |false  |false    |older than maxAge
            false     |false  |true |5    |false|90  |0       |60     |false     |AFTER_STORE|false  |false    |older than maxAge, after a store too
            false     |true   |true |5    |false|90  |0       |60     |false     |FIRST      |false  |true     |a refreshing type is never too old
            false     |false  |true |5    |false|0   |0       |-1     |true      |FIRST      |false  |false    |mustRevalidate: the first look misses
            false     |false  |true |5    |false|0   |0       |-1     |true      |AFTER_STORE|false  |true     |mustRevalidate: the store is the revalidation
            false     |true   |true |5    |false|0   |0       |-1     |true      |FIRST      |false  |true     |mustRevalidate on a refreshing type: kept current anyway
            """)
    void theRule(boolean blocking, boolean refresh, boolean valid, long index, boolean reset, long ageSeconds,
                 long minIndex, long maxAgeSeconds, boolean revalidate, Freshness.Look look, boolean follows,
                 boolean satisfied, String note) {
        TypeRegistration type = new TypeRegistration(0, "t", (CacheType<CacheRequest, Object>) (o, r) -> null,
                RegisterOptions.builder().supportsBlocking(blocking).refresh(refresh)
                        .queryTimeout(Duration.ofMinutes(10)).lastGetTtl(Duration.ofHours(1)).build(),
                new TypeMetrics(new CompositeMeterRegistry(), null, "t", this, x -> 0, x -> 0));
        Snapshot snapshot = valid
                ? Snapshot.EMPTY.succeeded(FetchResult.of("v", index), NOW.get() - Duration.ofSeconds(ageSeconds)
                .toNanos(), refresh)
                : Snapshot.EMPTY;
        if (reset) {
            snapshot = new Snapshot(snapshot.value(), null, snapshot.index(), null, true, snapshot.fetchedAtNanos(),
                    Snapshot.NONE, false, true, snapshot.version(), null);
        }
        RequestInfo info = RequestInfo.builder().key("k").minIndex(minIndex)
                .maxAge(maxAgeSeconds < 0 ? null : Duration.ofSeconds(maxAgeSeconds)).mustRevalidate(revalidate)
                .build();

        assertThat(Freshness.satisfies(type, snapshot, info, minIndex, look, follows, TICKER)).as(note)
                .isEqualTo(satisfied);
    }
}
