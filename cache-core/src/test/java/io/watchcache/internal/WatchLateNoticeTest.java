package io.watchcache.internal;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.UpdateEvent;
import io.watchcache.testing.ScriptedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An entry tells its followers of a store outside its monitor, so a notice can reach a watch
 * late: after the watch has delivered a newer value, read again and begun its next wait. Such a
 * notice is for a wait that is over. A watch treats an index below its own as the source going
 * back, so a late notice it took for its current wait would deliver an old value again, out of
 * order (seen in CI: indexes 242, 243, 244, 241, 244 for one watch of an etcd key). These tests
 * hand the watch those late notices directly, as the entry would on a slow thread.
 */
class WatchLateNoticeTest {

    private final CacheRuntime runtime = new CacheRuntime(CacheOptions.builder().build());
    private final ScriptedType source = ScriptedType.refreshingBlocking();
    private final TypeRegistration type = new TypeRegistration(0, "t", source,
            source.registerOptions().toBuilder().queryTimeout(Duration.ofMinutes(10))
                    .lastGetTtl(Duration.ofHours(1)).build(),
            new TypeMetrics(new CompositeMeterRegistry(), null, "t", false));
    private final EntryTable table = new EntryTable(Long.MAX_VALUE, runtime.coarseTicker(), runtime.executor(),
            runtime.scheduler(), (entry, cause) -> entry.kill(runtime.isClosed()));
    private final Reads reads = new Reads(runtime, table, new Fetcher(runtime));
    private final Watches watches = new Watches(runtime, reads, new ConsistentReads(runtime, reads), table);
    private final CacheRequest request = () -> RequestInfo.builder().key("k").build();
    /** What the watch's listener heard: each value's index, or "error". */
    private final List<String> delivered = new CopyOnWriteArrayList<>();

    WatchLateNoticeTest() {
        table.addType(type);
    }

    @AfterEach
    void close() {
        watches.cancelAll();
        runtime.markClosed();
        runtime.shutdown();
    }

    private Watch watch() {
        return watches.watch(type, request, "w",
                (UpdateEvent<Object> e) -> delivered.add(e.error() != null ? "error" : "" + e.meta().index()));
    }

    private Entry entry() {
        return table.getIfPresent(type, RequestInfo.builder().key("k").build());
    }

    /** Stores {@code index} and waits until the watch has delivered it and waits again. */
    private Snapshot storeAndDeliver(long index) {
        return fetchAndDeliver(o -> FetchResult.of("v" + index, index), "" + index);
    }

    /**
     * The source's next answer is {@code step}'s; waits until the watch has delivered it as
     * {@code event} and waits again. Returns the entry's snapshot then.
     */
    private Snapshot fetchAndDeliver(ScriptedType.Step step, String event) {
        int before = delivered.size();
        source.answer(step);
        await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == before + 1
                && entry() != null && entry().followers() == 1);
        assertThat(delivered.get(before)).isEqualTo(event);
        return entry().snapshot();
    }

    /** Nothing more reaches the listener for a while. */
    private void nothingMoreThan(String... events) {
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> delivered.size() == events.length);
        assertThat(delivered).containsExactly(events);
    }

    @Test
    void aLateNoticeOfAStoreTheWatchHasPassedDeliversNothing() throws Exception {
        Watch watch = watch();
        Snapshot first = storeAndDeliver(10);
        storeAndDeliver(20);

        // The notice of the first store, late: the watch now waits past index 20.
        watch.onStore(entry(), first);

        nothingMoreThan("10", "20");
        // And the watch still waits for the next change.
        storeAndDeliver(30);
        assertThat(delivered).containsExactly("10", "20", "30");
    }

    @Test
    void aLateNoticeOfAFailureTheWatchHasReportedIsNotReportedAgain() throws Exception {
        Watch watch = watch();
        storeAndDeliver(10);
        // Reported once; the watch waits on, from the failed store, for the next one.
        Snapshot failed = fetchAndDeliver(o -> {
            throw new IllegalStateException("the source failed");
        }, "error");

        // The failed store's notice again, late.
        watch.onStore(entry(), failed);

        nothingMoreThan("10", "error");
        assertThat(entry().followers()).isEqualTo(1);
    }

    @Test
    void aLateRemovalOfAnEntryTheWatchHasLeftDeliversNothing() throws Exception {
        Watch watch = watch();
        Snapshot first = storeAndDeliver(10);
        Entry left = entry();
        // Its refresh parked in the source, so the kill interrupts it before the next answer is there.
        await().atMost(Duration.ofSeconds(5)).until(() -> source.calls.size() == 2 && source.running.get() == 1);
        table.remove(left);
        left.kill(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> source.interrupted.get() == 1);
        // The watch reads the key's next entry, whose first fetch brings 20.
        storeAndDeliver(20);
        Entry now = entry();
        assertThat(now).isNotSameAs(left);

        // The removal's notice again, late: the watch waits on the next entry now.
        watch.entryRemoved(left, first, false);

        nothingMoreThan("10", "20");
        assertThat(now.followers()).isEqualTo(1);
        storeAndDeliver(30);
        assertThat(delivered).containsExactly("10", "20", "30");
    }
}
