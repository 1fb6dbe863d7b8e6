package io.watchcache;

import io.watchcache.testing.Flavor;
import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.watchcache.TestSupport.blockingReq;
import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Errors, null values, not-modified, zero indexes and resets: what a fetch result does to an entry. */
class FetchResultHandlingTest {

    private final WatchCache cache = new WatchCache(CacheOptions.defaults());

    @AfterEach
    void close() {
        cache.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callerThatWaitedSeesTheErrorWithTheLastGoodValue(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().answer("good", 3).fail(new IOException("backend down"));
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        assertThatThrownBy(() -> t.get(req(RequestInfo.builder().key("k").mustRevalidate(true).build())))
                .isInstanceOfSatisfying(FetchFailedException.class, e -> {
                    assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("backend down");
                    assertThat(e.lastValue()).isEqualTo("good");
                    assertThat(e.meta().index()).isEqualTo(3);
                });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callerSatisfiedByTheLastGoodValueStillGetsItDespiteAStoredError(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().answer("good", 3).fail(new IOException("backend down"));
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        assertThatThrownBy(() -> t.get(req(RequestInfo.builder().key("k").mustRevalidate(true).build())))
                .isInstanceOf(FetchFailedException.class);

        Result<String> result = t.get(req("k"));

        assertThat(result.value()).isEqualTo("good");
        assertThat(result.meta().hit()).isTrue();
        assertThat(cache.snapshot().entries().get(0).lastError()).contains("backend down");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void errorsDoNotStick(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.plain().fail(new IOException("once")).answer("recovered", 4);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        assertThatThrownBy(() -> t.get(req("k"))).isInstanceOf(FetchFailedException.class)
                .satisfies(e -> assertThat(((FetchFailedException) e).lastValue()).isNull());
        Result<String> result = t.get(req("k"));

        assertThat(result.value()).isEqualTo("recovered");
        assertThat(cache.snapshot().entries().get(0).lastError()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void nullValueKeepsTheValueButHandsTheNewStateToTheNextFetch(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking()
                .answer(o -> FetchResult.of("v1", 5).withState("cursor-1"))
                .answer(o -> FetchResult.<String>unchanged(5).withState("cursor-2"))
                .answer(o -> FetchResult.of("v2", 6));
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        // The null result is not newer than 5, so the caller keeps waiting and a third fetch runs.
        Result<String> next = t.get(blockingReq("k", 5, Duration.ofSeconds(30)));
        assertThat(next.value()).isEqualTo("v2");
        assertThat(type.fetches()).isEqualTo(3);

        FetchResult<String> handedOver = type.calls.get(2).lastResult();
        assertThat(handedOver.value()).isEqualTo("v1");
        assertThat(handedOver.state()).isEqualTo("cursor-2");
        assertThat(handedOver.index()).isEqualTo(5);
        assertThat(type.calls.get(0).lastResult()).isNull();
        assertThat(type.calls.get(1).lastResult().state()).isEqualTo("cursor-1");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void theNewestResultsStateWinsAndEveryReplacedStateIsClosedExactlyOnce(Flavor flavor) throws Exception {
        ExpiryTest.Handle first = new ExpiryTest.Handle();
        ExpiryTest.Handle second = new ExpiryTest.Handle();
        ExpiryTest.Handle third = new ExpiryTest.Handle();
        ScriptedType type = ScriptedType.blocking()
                .answer(o -> FetchResult.of("v1", 1).withState(first))
                // A plain result without state drops the first: it is closed, not kept.
                .answer(o -> FetchResult.of("v2", 2))
                .answer(o -> FetchResult.<String>unchanged(2).withState(second))
                .answer(o -> FetchResult.<String>notModified(3).withState(third));
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));
        t.get(blockingReq("k", 1, Duration.ofSeconds(30)));
        assertThat(first.closed.get()).isEqualTo(1);
        assertThat(type.calls.get(1).lastResult().state()).isSameAs(first);

        t.get(blockingReq("k", 2, Duration.ofSeconds(30)));
        assertThat(type.calls.get(3).lastResult().state()).as("unchanged kept its own state").isSameAs(second);
        await().atMost(Duration.ofSeconds(5)).until(() -> second.closed.get() == 1);
        assertThat(third.closed.get()).isZero();

        cache.close();
        assertThat(first.closed.get()).isEqualTo(1);
        assertThat(second.closed.get()).isEqualTo(1);
        assertThat(third.closed.get()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void notModifiedKeepsTheValueAndTakesTheNewIndex(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v1", 5).answer(o -> FetchResult.notModified(9));
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        Result<String> result = t.get(blockingReq("k", 5, null));

        assertThat(result.value()).isEqualTo("v1");
        assertThat(result.meta().index()).isEqualTo(9);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void indexBelowOneIsStoredAsOne(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v", 0);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        Result<String> result = t.get(req("k"));

        assertThat(result.meta().index()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aResetToALowerIndexReleasesCallersBlockedOnTheOldOne(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v100", 100);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));
        t.get(req("k"));

        CompletableFuture<Result<String>> blocked = t.getAsync(blockingReq("k", 100, null));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);
        type.answer("restored", 7);

        Result<String> result = blocked.get(5, TimeUnit.SECONDS);
        assertThat(result.value()).isEqualTo("restored");
        assertThat(result.meta().index()).isEqualTo(7);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aFirstFetchBelowTheCallersMinIndexIsNotAReset(Flavor flavor) throws Exception {
        ScriptedType type = ScriptedType.blocking().answer("v3", 3);
        TypedCache<CacheRequest, String> t = cache.register("t", flavor.of(type));

        CompletableFuture<Result<String>> waiting = t.getAsync(blockingReq("k", 10, null));
        await().atMost(Duration.ofSeconds(5)).until(() -> type.fetches() == 2);
        assertThat(waiting).isNotDone();
        assertThat(type.calls.get(1).minIndex()).isEqualTo(3);

        type.answer("v11", 11);
        assertThat(waiting.get(5, TimeUnit.SECONDS).value()).isEqualTo("v11");
    }

    @Test
    void fetchReturningNoResultIsAnError() {
        TypedCache<CacheRequest, String> t = cache.register("t", ScriptedType.plain().answer(o -> null));

        assertThatThrownBy(() -> t.get(req("k"))).isInstanceOf(FetchFailedException.class)
                .hasRootCauseMessage("cache type 't' returned no FetchResult");
    }
}
