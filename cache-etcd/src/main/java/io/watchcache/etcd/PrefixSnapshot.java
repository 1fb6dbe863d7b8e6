package io.watchcache.etcd;

import org.pcollections.PSortedMap;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Every key under a prefix at one revision, and what changed since the value before it, so a
 * listener of a large prefix need not diff maps.
 *
 * @param entries          key to UTF-8 value, sorted and unmodifiable; from the etcd types, a persistent
 *                         map that shares everything but the changed keys with the value before
 * @param changes          the keys that were added, updated or removed since the previous value of
 *                         the same cache entry ({@code previousRevision}); on the first value,
 *                         every key is added
 * @param revision         the cache index of this value
 * @param previousRevision the cache index of the value {@code changes} is relative to, 0 for none
 */
public record PrefixSnapshot(SortedMap<String, String> entries, Changes changes, long revision,
                             long previousRevision) {

    public PrefixSnapshot {
        Objects.requireNonNull(entries, "entries");
        // A persistent map is immutable already: wrapping it would only hide it from the next value.
        entries = entries instanceof PSortedMap<String, String> ? entries : Collections.unmodifiableSortedMap(entries);
        Objects.requireNonNull(changes, "changes");
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

    public String get(String key) {
        return entries.get(key);
    }

    public int size() {
        return entries.size();
    }

    /**
     * What changed since {@code older}, which a watcher may have seen some values before this
     * one: {@link #changes()} when {@code older} is the value just before, else a diff of the
     * entries (which cannot see a put that rewrote the same value). {@code null} means nothing:
     * every key is added.
     */
    public Changes changesSince(PrefixSnapshot older) {
        if (older == null) {
            return diff(Map.of(), entries);
        }
        if (older.revision == previousRevision && previousRevision != 0) {
            return changes;
        }
        if (older.revision == revision) {
            return diff(entries, entries);
        }
        return diff(older.entries, entries);
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
}
