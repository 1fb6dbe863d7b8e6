package io.watchcache.etcd;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The index rules of a range's content, without etcd: reads, events, progress, and what a fetch
 * gets handed. Each case is a row: the content before, what happens, the index and changed keys
 * after.
 */
class RangeContentTest {

    /** What {@code deliver} hands out here: the content, the keys changed, and the indexes. */
    record Seen(Map<String, String> values, Set<String> changed, long index, long previousIndex) {
    }

    private static final RangeContent.Value<Seen> SEEN = (items, changed, previous, index, previousIndex) ->
            new Seen(values(items), new TreeSet<>(changed), index, previousIndex);

    private final RangeContent<Seen> content = new RangeContent<>();

    @Test
    void theFirstReadIsTheNewestModRevisionAndEveryKeyIsChanged() {
        assertThat(content.hasRead()).isFalse();
        assertThat(content.replace(read(item("a", "1", 5), item("b", "2", 9)), 12)).isTrue();
        assertThat(content.index()).isEqualTo(9);
        assertThat(content.revision()).isEqualTo(12);
        assertThat(content.hasNewFor(0)).isTrue();
        Seen seen = content.deliver(SEEN);
        assertThat(seen).isEqualTo(new Seen(Map.of("a", "1", "b", "2"), Set.of("a", "b"), 9, 0));
        // Handed out: nothing new for a fetch that knows index 9, something for any other.
        assertThat(content.hasNewFor(9)).isFalse();
        assertThat(content.hasNewFor(3)).isTrue();
    }

    /**
     * The consistent-read rule: the content (read at revision 12: a@5, b@9) against what etcd
     * summarized at a later revision, as a row each: what happened in between, and the summary.
     */
    @Test
    void aContentHasCaughtUpExactlyWhenEtcdHoldsTheSameKeysAtTheSameRevisions() {
        assertThat(content.caughtUp(new RangeContent.Summary(1, 0, 0))).as("no read yet").isFalse();
        content.replace(read(item("a", "1", 5), item("b", "2", 9)), 12);

        // Complete through the summary's revision: whatever it says.
        assertThat(content.caughtUp(new RangeContent.Summary(12, 7, 99))).isTrue();
        // Nothing changed in the range since (other keys moved the revision): same count, same newest.
        assertThat(content.caughtUp(new RangeContent.Summary(40, 2, 9))).isTrue();
        // A put since (c@20, or a@20): the newest is past the content's.
        assertThat(content.caughtUp(new RangeContent.Summary(40, 3, 20))).isFalse();
        assertThat(content.caughtUp(new RangeContent.Summary(40, 2, 20))).isFalse();
        // A delete since (of a or b): one key fewer.
        assertThat(content.caughtUp(new RangeContent.Summary(40, 1, 9))).isFalse();
        assertThat(content.caughtUp(new RangeContent.Summary(40, 1, 5))).isFalse();
        // b deleted and c created since: the count is the same, the newest is c's.
        assertThat(content.caughtUp(new RangeContent.Summary(40, 2, 30))).isFalse();
        // The counting read without its newest revision (-1) is never enough on its own.
        assertThat(content.caughtUp(new RangeContent.Summary(40, 2, -1))).isFalse();

        // c created and deleted since: etcd holds what the content holds, so it has caught up.
        assertThat(content.caughtUp(new RangeContent.Summary(50, 2, 9))).isTrue();
        // Once the events come, the content is complete through them.
        content.apply(List.of(put("c", "3", 45), delete("c", 50)));
        assertThat(content.caughtUp(new RangeContent.Summary(50, 9, 99))).isTrue();
    }

    @Test
    void anEmptyRangeHasIndexOneNeverZero() {
        content.replace(read(), 40);
        assertThat(content.index()).isEqualTo(1);
        assertThat(content.deliver(SEEN).values()).isEmpty();
    }

    @Test
    void eventsMoveTheIndexToTheLastChangeAndMarkOnlyTheirKeys() {
        content.replace(read(item("a", "1", 5), item("b", "2", 9)), 12);
        content.deliver(SEEN);
        boolean changed = content.apply(List.of(put("a", "3", 13), delete("b", 14)));
        assertThat(changed).isTrue();
        assertThat(content.index()).isEqualTo(14);
        assertThat(content.revision()).isEqualTo(14);
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "3"), Set.of("a", "b"), 14, 9));
        assertThat(content.apply(List.of())).isFalse();
        assertThat(content.hasNewFor(14)).isFalse();
    }

    @Test
    void aContentOfOneKeyGoesThroughPutsDeletesAndGrowingLikeAnyOther() {
        content.replace(read(), 10);
        content.deliver(SEEN);
        assertThat(content.apply(List.of(put("k", "1", 11)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("k", "1"), Set.of("k"), 11, 1));
        assertThat(content.apply(List.of(put("k", "2", 12), delete("k", 13), put("k", "3", 14)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("k", "3"), Set.of("k"), 14, 11));
        assertThat(content.apply(List.of(delete("k", 15)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of(), Set.of("k"), 15, 14));
        // A delete of a key it does not hold, then two keys: the content grows past one.
        assertThat(content.apply(List.of(delete("x", 16), put("a", "1", 17), put("b", "2", 18)))).isTrue();
        assertThat(content.deliver(SEEN).values()).isEqualTo(Map.of("a", "1", "b", "2"));
        assertThat(content.caughtUp(new RangeContent.Summary(30, 2, 18))).isTrue();
        // And back to one, by a read.
        assertThat(content.replace(read(item("a", "9", 40)), 41)).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "9"), Set.of("a", "b"), 40, 18));
        assertThat(content.replace(read(item("a", "9", 40)), 42)).as("the same key at the same revision").isFalse();
        assertThat(content.apply(List.of(put("a", "10", 43), put("c", "3", 44), delete("a", 45)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("c", "3"), Set.of("a", "c"), 45, 40));
    }

    @Test
    void aReadOfSeveralKeysInAnyKindOfMapIsChangedLikeATree() {
        content.replace(Map.of("a", new RangeContent.Item("1", 5), "b", new RangeContent.Item("2", 9)), 12);
        content.deliver(SEEN);
        assertThat(content.apply(List.of(put("a", "3", 13)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "3", "b", "2"), Set.of("a"), 13, 9));
    }

    @Test
    void eventsARecreatedWatchRepeatsAreSkippedButATransactionsEventsAllApply() {
        content.replace(read(item("a", "1", 5)), 12);
        content.deliver(SEEN);
        // One transaction: two events at one revision, in one response.
        assertThat(content.apply(List.of(put("a", "2", 13), put("b", "x", 13)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "2", "b", "x"), Set.of("a", "b"), 13, 5));
        // The watch is re-created from an older revision: what the content has is not news.
        assertThat(content.apply(List.of(put("a", "2", 13), put("b", "x", 13)))).isFalse();
        assertThat(content.hasNewFor(13)).isFalse();
        assertThat(content.apply(List.of(put("b", "x", 13), put("a", "4", 15)))).isTrue();
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "4", "b", "x"), Set.of("a"), 15, 13));
        // Nor is a change a read already saw.
        content.replace(read(item("a", "5", 20), item("b", "x", 13)), 22);
        content.deliver(SEEN);
        assertThat(content.apply(List.of(put("a", "5", 20)))).isFalse();
        assertThat(content.index()).isEqualTo(20);
    }

    @Test
    void progressMovesWhereANewStreamStartsButNeverTheIndex() {
        content.replace(read(item("a", "1", 5)), 12);
        content.deliver(SEEN);
        content.progress(30);
        assertThat(content.revision()).isEqualTo(30);
        assertThat(content.index()).isEqualTo(5);
        assertThat(content.hasNewFor(5)).isFalse();
        // Never backwards.
        content.progress(20);
        assertThat(content.revision()).isEqualTo(30);
    }

    @Test
    void aReadThatFindsNothingNewChangesNothingButTheRevision() {
        content.replace(read(item("a", "1", 5)), 12);
        content.deliver(SEEN);
        assertThat(content.replace(read(item("a", "1", 5)), 50)).isFalse();
        assertThat(content.index()).isEqualTo(5);
        assertThat(content.revision()).isEqualTo(50);
        assertThat(content.hasNewFor(5)).isFalse();
    }

    @Test
    void aDeleteSeenOnlyByAReadStillMovesTheIndexForward() {
        // b (the newest write) was deleted while no stream watched: the newest mod revision
        // fell back to 5, but the read's own revision is past everything the cache had seen.
        content.replace(read(item("a", "1", 5), item("b", "2", 9)), 12);
        content.deliver(SEEN);
        assertThat(content.replace(read(item("a", "1", 5)), 20)).isTrue();
        assertThat(content.index()).isEqualTo(20);
        assertThat(content.deliver(SEEN)).isEqualTo(new Seen(Map.of("a", "1"), Set.of("b"), 20, 9));
    }

    @Test
    void aWriteSeenOnlyByAReadTakesItsModRevision() {
        content.replace(read(item("a", "1", 5)), 12);
        content.deliver(SEEN);
        content.replace(read(item("a", "2", 15), item("c", "x", 16)), 18);
        assertThat(content.index()).isEqualTo(16);
        assertThat(content.deliver(SEEN).changed()).containsExactly("a", "c");
    }

    @Test
    void etcdRestoredFromABackupResetsTheIndexToWhatItSays() {
        content.replace(read(item("a", "1", 50)), 60);
        content.deliver(SEEN);
        // etcd went back in time: older revisions, other data.
        content.replace(read(item("a", "0", 7)), 8);
        assertThat(content.index()).isEqualTo(7);
        assertThat(content.revision()).isEqualTo(8);
        assertThat(content.hasNewFor(50)).isTrue();
    }

    @Test
    void eventsBeforeTheFirstReadAreAProgrammingError() {
        assertThatThrownBy(() -> content.apply(List.of(put("a", "1", 3)))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> content.deliver(SEEN)).isInstanceOf(NullPointerException.class);
    }

    private static Map.Entry<String, RangeContent.Item> item(String key, String value, long modRevision) {
        return Map.entry(key, new RangeContent.Item(value, modRevision));
    }

    @SafeVarargs
    private static NavigableMap<String, RangeContent.Item> read(Map.Entry<String, RangeContent.Item>... items) {
        NavigableMap<String, RangeContent.Item> read = new TreeMap<>();
        for (Map.Entry<String, RangeContent.Item> item : items) {
            read.put(item.getKey(), item.getValue());
        }
        return read;
    }

    private static RangeContent.Change put(String key, String value, long revision) {
        return new RangeContent.Change(key, new RangeContent.Item(value, revision), revision);
    }

    private static RangeContent.Change delete(String key, long revision) {
        return new RangeContent.Change(key, null, revision);
    }

    private static Map<String, String> values(Map<String, RangeContent.Item> items) {
        Map<String, String> values = new TreeMap<>();
        items.forEach((k, v) -> values.put(k, v.value()));
        return values;
    }
}
