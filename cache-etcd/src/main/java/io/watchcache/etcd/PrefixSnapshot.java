package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;
import org.pcollections.PSortedMap;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Every key under a prefix at one revision, and what changed since the value before it, so a
 * listener of a large prefix need not diff maps.
 *
 * <p>From the etcd types, {@link #entries()} is a persistent map that shares everything but the
 * changed keys with the value before, and each value remembers the changes of the last
 * {@value #HISTORY} values of its entry, so {@link #changesSince} costs the number of changed
 * keys, not the size of the prefix, for a watcher that skipped values.
 */
public final class PrefixSnapshot {

    /** How many values back {@link #changesSince} can answer from the changes alone. */
    static final int HISTORY = 32;

    private final SortedMap<String, String> entries;
    private final Changes changes;
    private final long revision;
    private final long previousRevision;
    /** The changes that led to this value, newest first; null when unknown. */
    private final @Nullable Step history;

    /**
     * @param entries          key to UTF-8 value, sorted; kept as it is when it is a persistent
     *                         map, else wrapped unmodifiable
     * @param changes          the keys that were added, updated or removed since the previous value of
     *                         the same cache entry ({@code previousRevision}); on the first value,
     *                         every key is added
     * @param revision         the cache index of this value
     * @param previousRevision the cache index of the value {@code changes} is relative to, 0 for none
     */
    public PrefixSnapshot(SortedMap<String, String> entries, Changes changes, long revision, long previousRevision) {
        this(entries, changes, revision, previousRevision, null);
    }

    /** A value that follows {@code previous} (null: none), remembering the changes since the ones before. */
    PrefixSnapshot(SortedMap<String, String> entries, Changes changes, long revision, long previousRevision,
                   @Nullable PrefixSnapshot previous) {
        Objects.requireNonNull(entries, "entries");
        // A persistent map is immutable already: wrapping it would only hide it from the next value.
        this.entries = entries instanceof PSortedMap<String, String> ? entries
                : Collections.unmodifiableSortedMap(entries);
        this.changes = Objects.requireNonNull(changes, "changes");
        this.revision = revision;
        this.previousRevision = previousRevision;
        Step older = previous != null && previous.revision == previousRevision ? previous.history : null;
        this.history = previousRevision == 0 ? null : new Step(previousRevision, Step.keys(changes),
                Step.trimmed(older));
    }

    /** Every key under the prefix, sorted, unmodifiable. */
    public SortedMap<String, String> entries() {
        return entries;
    }

    /** What changed since the value at {@link #previousRevision()}. */
    public Changes changes() {
        return changes;
    }

    /** The cache index of this value. */
    public long revision() {
        return revision;
    }

    /** The cache index of the value {@link #changes()} is relative to, 0 for none. */
    public long previousRevision() {
        return previousRevision;
    }

    /**
     * Keys that changed between two values. A put that wrote a key's value again counts as an
     * update: etcd records it as a change.
     */
    public record Changes(SortedSet<String> added, SortedSet<String> updated, SortedSet<String> removed) {

        public Changes {
            added = Collections.unmodifiableSortedSet(added);
            updated = Collections.unmodifiableSortedSet(updated);
            removed = Collections.unmodifiableSortedSet(removed);
        }

        public boolean isEmpty() {
            return added.isEmpty() && updated.isEmpty() && removed.isEmpty();
        }

        /** How many keys changed. */
        public int size() {
            return added.size() + updated.size() + removed.size();
        }
    }

    public @Nullable String get(String key) {
        return entries.get(key);
    }

    public int size() {
        return entries.size();
    }

    /**
     * What changed since {@code older}, which a watcher may have seen some values before this
     * one: {@link #changes()} when {@code older} is the value just before; the changes of the
     * values between, when {@code older} is one of the last {@value #HISTORY} of the same entry;
     * else a diff of the entries (which cannot see a put that rewrote the same value).
     * {@code null} means nothing: every key is added.
     */
    public Changes changesSince(PrefixSnapshot older) {
        if (older == null) {
            return diff(Map.of(), entries);
        }
        if (older.revision == revision) {
            return new Changes(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        }
        if (older.revision == previousRevision && previousRevision != 0) {
            return changes;
        }
        Set<String> touched = new HashSet<>();
        for (Step step = history; step != null; step = step.older) {
            Collections.addAll(touched, step.keys);
            if (step.fromRevision == older.revision) {
                return classify(touched, older.entries, entries);
            }
            if (step.fromRevision < older.revision) {
                break;
            }
        }
        return diff(older.entries, entries);
    }

    /** {@code keys} (every key that changed between the two) sorted into added, updated and removed. */
    static Changes classify(Collection<String> keys, Map<String, String> before, Map<String, String> after) {
        TreeSet<String> added = new TreeSet<>();
        TreeSet<String> updated = new TreeSet<>();
        TreeSet<String> removed = new TreeSet<>();
        for (String key : keys) {
            boolean was = before.containsKey(key);
            boolean is = after.containsKey(key);
            if (was && is) {
                updated.add(key);
            } else if (is) {
                added.add(key);
            } else if (was) {
                removed.add(key);
            }
        }
        return new Changes(added, updated, removed);
    }

    static Changes diff(Map<String, String> before, Map<String, String> after) {
        TreeSet<String> added = new TreeSet<>();
        TreeSet<String> updated = new TreeSet<>();
        TreeSet<String> removed = new TreeSet<>();
        for (Map.Entry<String, String> e : after.entrySet()) {
            String old = before.get(e.getKey());
            if (old == null) {
                added.add(e.getKey());
            } else if (!old.equals(e.getValue())) {
                updated.add(e.getKey());
            }
        }
        for (String key : before.keySet()) {
            if (!after.containsKey(key)) {
                removed.add(key);
            }
        }
        return new Changes(added, updated, removed);
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof PrefixSnapshot that && revision == that.revision
                && previousRevision == that.previousRevision && entries.equals(that.entries)
                && changes.equals(that.changes));
    }

    @Override
    public int hashCode() {
        return Objects.hash(entries, changes, revision, previousRevision);
    }

    /** Sizes, not contents: a prefix may hold thousands of keys, and configuration may hold secrets. */
    @Override
    public String toString() {
        return "PrefixSnapshot[revision=" + revision + ", previousRevision=" + previousRevision + ", keys="
                + entries.size() + ", added=" + changes.added().size() + ", updated=" + changes.updated().size()
                + ", removed=" + changes.removed().size() + "]";
    }

    /**
     * The keys one value changed, from the value at {@code fromRevision}, linked to the steps
     * before it: a persistent list shared by every value of the entry, kept to at most twice
     * {@value #HISTORY} steps (cut back to {@value #HISTORY} when it grows past that, so the cost
     * per value stays constant). Only the keys: whether each was added, updated or removed is
     * decided from the two values compared, and a key array is what a soak can afford per value.
     */
    private static final class Step {
        final long fromRevision;
        final String[] keys;
        final @Nullable Step older;
        final int depth;

        Step(long fromRevision, String[] keys, @Nullable Step older) {
            this.fromRevision = fromRevision;
            this.keys = keys;
            this.older = older;
            this.depth = older == null ? 1 : older.depth + 1;
        }

        static String[] keys(Changes changes) {
            String[] keys = new String[changes.size()];
            int i = 0;
            for (String key : changes.added()) {
                keys[i++] = key;
            }
            for (String key : changes.updated()) {
                keys[i++] = key;
            }
            for (String key : changes.removed()) {
                keys[i++] = key;
            }
            return keys;
        }

        static @Nullable Step trimmed(@Nullable Step steps) {
            if (steps == null || steps.depth < 2 * HISTORY) {
                return steps;
            }
            Step[] newest = new Step[HISTORY - 1];
            @Nullable Step step = steps;
            for (int i = 0; i < newest.length; i++) {
                // At least 2 * HISTORY deep: every one of these exists.
                newest[i] = Objects.requireNonNull(step);
                step = newest[i].older;
            }
            Step copy = null;
            for (int i = newest.length - 1; i >= 0; i--) {
                copy = new Step(newest[i].fromRevision, newest[i].keys, copy);
            }
            return copy;
        }
    }
}
