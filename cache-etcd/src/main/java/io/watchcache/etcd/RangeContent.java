package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * One range's content as the cache knows it, and the rules that move its index: pure state
 * with no etcd, no threads and no clock, so every rule is table-tested on its own
 * ({@code RangeContentTest}). {@link RangeWatch} owns one and guards it with its monitor.
 *
 * <ul>
 *   <li>The first read sets the content; its index is the newest mod revision in it (1 for an
 *       empty range: an index is never below 1).</li>
 *   <li>A later read replaces the content only when it differs. The index then moves to the
 *       newest mod revision, or, when a delete lowered that, to the read's own revision; it goes
 *       back only when etcd itself did (restored from a backup), and then to what etcd says.</li>
 *   <li>Events are applied as they come; the index moves to the revision of the last change.
 *       Events the content already has (at or below the revision it is complete through) are
 *       skipped.</li>
 *   <li>A progress report moves the revision through which the content is complete (where a
 *       new stream starts), never the index: nothing changed.</li>
 * </ul>
 *
 * @param <V> the value the content stands for
 */
final class RangeContent<V> {

    /** One key's value and the revision that wrote it. */
    record Item(String value, long modRevision) {
    }

    /**
     * What one linearizable read says of the range without its values: etcd's revision, how
     * many keys the range holds, and the newest mod revision among them (0 for none).
     */
    record Summary(long revision, long count, long newest) {
    }

    /** One event: {@code item} is null for a delete, whose revision is the delete's. */
    record Change(String key, @Nullable Item item, long revision) {
    }

    /** The value the content stands for: an {@link EtcdRangeType}'s view of it. */
    @FunctionalInterface
    interface Value<V> {

        /**
         * @param items         the content, key to value and mod revision (not to be kept: it changes)
         * @param changed       the keys changed since {@code previous}
         * @param previous      the value last handed out, or null
         * @param index         the index of this value
         * @param previousIndex the index of {@code previous}, 0 for none
         */
        V of(Map<String, Item> items, Set<String> changed, @Nullable V previous, long index,
             long previousIndex);
    }

    /**
     * Key to value and mod revision; null until the first read. Either a {@link TreeMap}, changed
     * in place, or, for at most one key, an immutable {@link OneItem} (or {@code Map.of()}),
     * replaced at each change (an etcd key's content: 32 bytes with its item, where a tree map
     * holding one key takes 112). A read of two keys or more makes it a tree; a put of a second
     * key turns the small map into one. It is
     * walked only with {@code forEach}: a map keeps its key, value and entry views once asked for
     * (16 bytes each), and a content is kept for as long as its key is watched.
     */
    private @Nullable Map<String, Item> items;
    /**
     * Keys changed since the value last handed out; empty and shared until a change (thousands
     * of quiet entries should not each keep an empty hash table).
     */
    private Set<String> dirty = Set.of();
    /** The cache index: it moves only when the range changes. */
    private long index;
    /** The etcd revision through which the content is complete. */
    private long revision;
    private @Nullable V delivered;
    /** The index of the value last handed out; 0 before the first (an index is never below 1). */
    private long deliveredIndex;

    boolean hasRead() {
        return items != null;
    }

    long index() {
        return index;
    }

    /** The revision through which every change is in the content: a new stream starts after it. */
    long revision() {
        return revision;
    }

    /** Whether a fetch that knows {@code minIndex} has something new to hand out. */
    boolean hasNewFor(long minIndex) {
        return undelivered() || index != minIndex;
    }

    /**
     * Whether the content changed since the value last handed out: a key did (every change
     * names one), or nothing was handed out since the first read (which may find no key).
     */
    private boolean undelivered() {
        return !dirty.isEmpty() || (items != null && deliveredIndex == 0);
    }

    /**
     * A read of the whole range at etcd revision {@code header}; the content takes {@code fresh}
     * over (no copy from two keys on: a prefix may hold many). Returns whether the content
     * changed (always on the first read).
     */
    boolean replace(Map<String, Item> fresh, long header) {
        long maxMod = newest(fresh);
        boolean changed;
        Map<String, Item> before = items;
        if (before == null) {
            Set<String> changedKeys = dirty();
            fresh.forEach((key, item) -> changedKeys.add(key));
            index = Math.max(1, maxMod);
            changed = true;
        } else if (!same(before, fresh)) {
            // Something changed while no stream was watching. A delete can lower the newest mod
            // revision; the read's own revision is past it, so the index still moves forward,
            // unless etcd itself went back (restored from a backup): a real reset.
            addChanged(before, fresh);
            index = maxMod > index ? maxMod : header > index ? header : Math.max(1, maxMod);
            changed = true;
        } else {
            changed = false;
        }
        if (changed) {
            items = compact(fresh);
        }
        revision = header;
        return changed;
    }

    /**
     * Events of a stream, in order. Events at or below the revision the content is already
     * complete through are in it already (a re-created watch may repeat a few): they are
     * skipped. Returns whether the content changed.
     */
    boolean apply(List<Change> changes) {
        if (changes.isEmpty()) {
            return false;
        }
        Map<String, Item> content = Objects.requireNonNull(items, "events before the first read");
        long through = revision;
        long last = index;
        boolean applied = false;
        for (Change change : changes) {
            if (change.revision() <= through) {
                continue;
            }
            applied = true;
            Item item = change.item();
            content = item == null ? without(content, change.key()) : with(content, change.key(), item);
            dirty().add(change.key());
            revision = Math.max(revision, change.revision());
            last = Math.max(last, change.revision());
        }
        if (!applied) {
            return false;
        }
        items = content;
        index = last;
        return true;
    }

    /**
     * Whether the content holds everything etcd had at {@code summary}'s revision: it is complete
     * through that revision, or it holds as many keys with the same newest mod revision. The
     * second is exact for content from an earlier revision: a put since then that is still there
     * raises the newest mod revision, and a delete since then of a key the content has changes
     * the count unless a put since then makes up for it, which raises the newest again. Equal
     * counts and newest revisions therefore mean the same keys at the same revisions, so the
     * same values.
     */
    boolean caughtUp(Summary summary) {
        Map<String, Item> content = items;
        if (content == null) {
            return false;
        }
        if (revision >= summary.revision()) {
            return true;
        }
        return content.size() == summary.count() && newest(content) == summary.newest();
    }

    /** The newest mod revision in {@code items} (0 for none). */
    private static long newest(Map<String, Item> items) {
        long[] newest = {0};
        items.forEach((key, item) -> newest[0] = Math.max(newest[0], item.modRevision()));
        return newest[0];
    }

    /** Every event up to {@code header} has been seen: a new stream may start after it. */
    void progress(long header) {
        revision = Math.max(revision, header);
    }

    /** The value {@code value} makes of the content now (it carries the index); marks everything as handed out. */
    V deliver(Value<V> value) {
        V next = value.of(Objects.requireNonNull(items, "no read yet"), dirty, delivered, index, deliveredIndex);
        dirty = Set.of();
        delivered = next;
        deliveredIndex = index;
        return next;
    }

    private Set<String> dirty() {
        if (!(dirty instanceof HashSet)) {
            dirty = new HashSet<>();
        }
        return dirty;
    }

    /** What the content keeps of a read: for one key a {@link OneItem}, else a tree (the read's own). */
    private static Map<String, Item> compact(Map<String, Item> read) {
        if (read.size() > 1) {
            return read instanceof TreeMap<String, Item> tree ? tree : new TreeMap<>(read);
        }
        if (read.isEmpty()) {
            return Map.of();
        }
        Map.Entry<String, Item> only = read.entrySet().iterator().next();
        return new OneItem(only.getKey(), only.getValue());
    }

    /** {@code items} with {@code key} set to {@code item}: a tree in place, else a new map. */
    private static Map<String, Item> with(Map<String, Item> items, String key, Item item) {
        if (items instanceof TreeMap<String, Item> tree) {
            tree.put(key, item);
            return tree;
        }
        if (items.isEmpty() || items.containsKey(key)) {
            return new OneItem(key, item);
        }
        TreeMap<String, Item> tree = new TreeMap<>(items);
        tree.put(key, item);
        return tree;
    }

    /** {@code items} without {@code key}: a tree in place, else a new map. */
    private static Map<String, Item> without(Map<String, Item> items, String key) {
        if (items instanceof TreeMap<String, Item> tree) {
            tree.remove(key);
            return tree;
        }
        return items.containsKey(key) ? Map.of() : items;
    }

    /** Whether the two hold the same keys with the same items ({@code Map.equals} would ask {@code a} for a view). */
    private static boolean same(Map<String, Item> a, Map<String, Item> b) {
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] same = {true};
        b.forEach((key, item) -> same[0] &= item.equals(a.get(key)));
        return same[0];
    }

    private void addChanged(Map<String, Item> before, Map<String, Item> after) {
        Set<String> changedKeys = dirty();
        after.forEach((key, item) -> {
            if (!item.equals(before.get(key))) {
                changedKeys.add(key);
            }
        });
        before.forEach((key, item) -> {
            if (!after.containsKey(key)) {
                changedKeys.add(key);
            }
        });
    }

    /**
     * The content of a range that holds one key, the common case (an etcd key's): the key, its value
     * and its mod revision in one immutable object of 32 bytes, where {@code Map.of(key, item)} takes
     * 56 with its item, and an {@code AbstractMap} 40 with its view fields. The item is made when
     * asked for, at most a few times per change. Every method that would modify it throws.
     */
    static final class OneItem implements Map<String, Item> {

        private final String key;
        private final String value;
        private final long modRevision;

        OneItem(String key, Item item) {
            this.key = key;
            this.value = item.value();
            this.modRevision = item.modRevision();
        }

        private Item item() {
            return new Item(value, modRevision);
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public boolean isEmpty() {
            return false;
        }

        @Override
        public boolean containsKey(Object other) {
            return key.equals(other);
        }

        @Override
        public boolean containsValue(Object other) {
            return item().equals(other);
        }

        @Override
        public @Nullable Item get(Object other) {
            return key.equals(other) ? item() : null;
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super Item> action) {
            action.accept(key, item());
        }

        @Override
        public Set<String> keySet() {
            return Set.of(key);
        }

        @Override
        public Collection<Item> values() {
            return List.of(item());
        }

        @Override
        public Set<Entry<String, Item>> entrySet() {
            return Set.of(Map.entry(key, item()));
        }

        @Override
        public Item put(String k, Item v) {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public Item remove(Object k) {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public void putAll(Map<? extends String, ? extends Item> m) {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public void clear() {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public boolean equals(Object other) {
            return other == this || (other instanceof Map<?, ?> map && map.size() == 1 && item().equals(map.get(key)));
        }

        /** As {@link Map#hashCode}: the one entry's, key hash XOR value hash. */
        @Override
        public int hashCode() {
            return key.hashCode() ^ item().hashCode();
        }

        @Override
        public String toString() {
            return "{" + key + "=" + item() + "}";
        }
    }
}
