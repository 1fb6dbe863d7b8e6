package io.watchcache.etcd;

import org.junit.jupiter.api.Test;
import org.pcollections.TreePMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** What changed between two prefix values, from the changes alone or by a diff, always the same answer. */
class PrefixSnapshotTest {

    /** Values of one entry: each step puts (value non-null) or deletes (null) some keys. */
    private final List<PrefixSnapshot> values = new ArrayList<>();

    private PrefixSnapshot step(Map<String, String> puts, String... deletes) {
        PrefixSnapshot previous = values.isEmpty() ? null : values.get(values.size() - 1);
        TreePMap<String, String> entries = previous == null ? TreePMap.empty()
                : (TreePMap<String, String>) previous.entries();
        TreeSet<String> added = new TreeSet<>();
        TreeSet<String> updated = new TreeSet<>();
        TreeSet<String> removed = new TreeSet<>();
        for (Map.Entry<String, String> put : puts.entrySet()) {
            (entries.containsKey(put.getKey()) ? updated : added).add(put.getKey());
            entries = entries.plus(put.getKey(), put.getValue());
        }
        for (String key : deletes) {
            if (entries.containsKey(key)) {
                removed.add(key);
                entries = entries.minus(key);
            }
        }
        long revision = values.size() + 1;
        PrefixSnapshot next = new PrefixSnapshot(entries, new PrefixSnapshot.Changes(added, updated, removed),
                revision, previous == null ? 0 : previous.revision(), previous);
        values.add(next);
        return next;
    }

    private static PrefixSnapshot.Changes diffed(PrefixSnapshot older, PrefixSnapshot newer) {
        SortedMap<String, String> before = older == null ? new TreeMap<>() : older.entries();
        return PrefixSnapshot.diff(before, newer.entries());
    }

    @Test
    void aWatcherThatSkippedValuesGetsTheChangesOfEveryValueBetween() {
        PrefixSnapshot first = step(Map.of("a", "1", "b", "1", "c", "1"));
        step(Map.of("a", "2", "d", "1"), "b");
        step(Map.of("e", "1"), "c");
        step(Map.of("b", "again"), "e");
        PrefixSnapshot last = step(Map.of("f", "1"));

        PrefixSnapshot.Changes changes = last.changesSince(first);

        // a updated; b deleted then back: updated; c removed; d added; e added then removed: nothing.
        assertThat(changes.added()).containsExactly("d", "f");
        assertThat(changes.updated()).containsExactly("a", "b");
        assertThat(changes.removed()).containsExactly("c");
        assertThat(changes).isEqualTo(diffed(first, last));
    }

    @Test
    void everyPairWithinAndBeyondTheHistoryAgreesWithADiff() {
        for (int i = 0; i < 3 * PrefixSnapshot.HISTORY; i++) {
            step(Map.of("k" + i % 17, "v" + i, "n" + i, "x"), "n" + (i - 3), "k" + (i * 7 % 17));
        }
        PrefixSnapshot last = values.get(values.size() - 1);
        for (PrefixSnapshot older : values) {
            PrefixSnapshot.Changes expected = diffed(older, last);
            PrefixSnapshot.Changes actual = last.changesSince(older);
            // A put that rewrote the same value is an update from the changes, invisible to a diff.
            assertThat(actual.added()).as("added since " + older.revision()).isEqualTo(expected.added());
            assertThat(actual.removed()).as("removed since " + older.revision()).isEqualTo(expected.removed());
            assertThat(actual.updated()).as("updated since " + older.revision()).containsAll(expected.updated());
        }
        assertThat(last.changesSince(last).isEmpty()).isTrue();
        assertThat(last.changesSince(null).added()).isEqualTo(last.entries().keySet());
    }

    @Test
    void toStringShowsSizesNotValues() {
        PrefixSnapshot value = step(Map.of("db.password", "hunter2"));
        assertThat(value.toString()).doesNotContain("hunter2").contains("keys=1");
    }
}
