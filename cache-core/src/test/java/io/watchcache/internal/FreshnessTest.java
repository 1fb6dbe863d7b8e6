package io.watchcache.internal;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.Ticker;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.testing.ManualTime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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

    /** The table; each row is one case, and both the rule and the cache's read paths must agree with it. */
    static final String TABLE = """
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
            """;

    @ParameterizedTest(name = "{index}: {12}")
    @CsvSource(delimiter = '|', textBlock = TABLE)
    void theRule(boolean blocking, boolean refresh, boolean valid, long index, boolean reset, long ageSeconds,
                 long minIndex, long maxAgeSeconds, boolean revalidate, Freshness.Look look, boolean follows,
                 boolean satisfied, String note) {
        TypeRegistration type = new TypeRegistration(0, "t", (CacheType<CacheRequest, Object>) (o, r) -> null,
                RegisterOptions.builder().supportsBlocking(blocking).refresh(refresh)
                        .queryTimeout(Duration.ofMinutes(10)).lastGetTtl(Duration.ofHours(1)).build(),
                new TypeMetrics(new CompositeMeterRegistry(), null, "t", false));
        Snapshot snapshot = valid
                ? Snapshot.EMPTY.succeeded(FetchResult.of("v", index),
                NOW.get() - Duration.ofSeconds(ageSeconds).toNanos())
                : Snapshot.EMPTY;
        if (reset) {
            snapshot = new Snapshot(snapshot.value(), null, snapshot.index(), null, true, snapshot.fetchedAtNanos(),
                    Snapshot.NONE, false, true, snapshot.version());
        }
        RequestInfo info = RequestInfo.builder().key("k").minIndex(minIndex)
                .maxAge(maxAgeSeconds < 0 ? null : Duration.ofSeconds(maxAgeSeconds)).mustRevalidate(revalidate)
                .build();

        assertThat(Freshness.satisfies(type, snapshot, info, minIndex, look, follows, TICKER)).as(note)
                .isEqualTo(satisfied);
    }

    /**
     * The same table through the cache's read paths ({@code getAsync} always; {@code get} where
     * the answer does not wait), for the first look of a caller (the rows a real read can reach:
     * a reset and a watch's own look are only seen by waiters and watches): a row that satisfies
     * the rule is a hit, answered at once; any other is not.
     */
    @ParameterizedTest(name = "{index}: {12}")
    @CsvSource(delimiter = '|', textBlock = TABLE)
    void theReadPathsAgreeWithTheRule(boolean blocking, boolean refresh, boolean valid, long index, boolean reset,
                                      long ageSeconds, long minIndex, long maxAgeSeconds, boolean revalidate,
                                      Freshness.Look look, boolean follows, boolean satisfied, String note)
            throws Exception {
        Assumptions.assumeTrue(look == Freshness.Look.FIRST && !follows && !reset, "only waiters and watches see it");
        CacheRequest asked = request(minIndex, maxAgeSeconds, revalidate);
        // Each path on a cache of its own: a miss fetches, and the next look would see that.
        assertThat(firstLookHits(blocking, refresh, valid, index, ageSeconds, asked, false))
                .as("getAsync: " + note).isEqualTo(satisfied);
        if (satisfied || !blocking) {
            assertThat(firstLookHits(blocking, refresh, valid, index, ageSeconds, asked, true))
                    .as("get: " + note).isEqualTo(satisfied);
        }
    }

    /** Whether {@code asked} is a hit, answered at once, on an entry in the row's state. */
    private static boolean firstLookHits(boolean blocking, boolean refresh, boolean valid, long index,
                                         long ageSeconds, CacheRequest asked, boolean sync) throws Exception {
        ManualTime time = new ManualTime();
        try (WatchCache cache = new WatchCache(time.options().build())) {
            TypedCache<CacheRequest, String> type = cache.register("t", new AsyncCacheType<CacheRequest, String>() {
                @Override
                public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options,
                                                                       CacheRequest request) {
                    // Answers at once unless asked to wait past the value it has (then never: a
                    // blocking miss waits, and a refresh stays pending).
                    return blocking && options.minIndex() >= index ? new CompletableFuture<>()
                            : CompletableFuture.completedFuture(FetchResult.of("v", index));
                }

                @Override
                public RegisterOptions registerOptions() {
                    return RegisterOptions.builder().supportsBlocking(blocking).refresh(refresh)
                            .queryTimeout(Duration.ofMinutes(10)).lastGetTtl(Duration.ofHours(1)).build();
                }
            });
            if (valid) {
                assertThat(type.getAsync(request(0, -1, false)).toCompletableFuture().get(5, TimeUnit.SECONDS)
                        .meta().hit()).isFalse();
                time.advance(Duration.ofSeconds(ageSeconds));
            }
            if (sync) {
                return type.get(asked).meta().hit();
            }
            CompletableFuture<Result<String>> async = type.getAsync(asked).toCompletableFuture();
            boolean hit = async.isDone() && async.get().meta().hit();
            async.cancel(true);
            return hit;
        }
    }

    private static CacheRequest request(long minIndex, long maxAgeSeconds, boolean revalidate) {
        RequestInfo info = RequestInfo.builder().key("k").minIndex(minIndex)
                .maxAge(maxAgeSeconds < 0 ? null : Duration.ofSeconds(maxAgeSeconds)).mustRevalidate(revalidate)
                .build();
        return () -> info;
    }
}
