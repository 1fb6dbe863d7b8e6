package io.watchcache.internal;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The plain entries (no partition, no token) of each registered type by key string, at the
 * type's {@link TypeRegistration#slot}: what a hit finds without a key object. Whether it is
 * their only place or a mirror is {@link EntryStore}'s to say. The array is replaced whole (a
 * longer copy) under the monitor when a type registers, and read without it.
 */
final class PlainIndex {

    private volatile ConcurrentHashMap<String, Entry>[] byType = newIndex(0);

    @SuppressWarnings("unchecked")
    private static ConcurrentHashMap<String, Entry>[] newIndex(int length) {
        return new ConcurrentHashMap[length];
    }

    /** Makes room for the plain entries of {@code type}; before any of its entries exist. */
    synchronized void addType(TypeRegistration type) {
        ConcurrentHashMap<String, Entry>[] next = Arrays.copyOf(byType, Math.max(byType.length, type.slot + 1));
        next[type.slot] = new ConcurrentHashMap<>();
        byType = next;
    }

    /** The plain entries of {@code type}, by key. */
    ConcurrentHashMap<String, Entry> of(TypeRegistration type) {
        return byType[type.slot];
    }

    boolean isEmpty() {
        for (ConcurrentHashMap<String, Entry> index : byType) {
            if (index != null && !index.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Removes every plain entry; each one this call removed goes to {@code removed}. */
    void removeAll(Consumer<Entry> removed) {
        for (ConcurrentHashMap<String, Entry> index : byType) {
            if (index != null) {
                for (Entry entry : index.values()) {
                    if (index.remove(entry.key.key(), entry)) {
                        removed.accept(entry);
                    }
                }
            }
        }
    }

    /** Each registered type's plain entries, as live views. */
    private List<Collection<Entry>> values() {
        List<Collection<Entry>> values = new ArrayList<>(byType.length);
        for (ConcurrentHashMap<String, Entry> index : byType) {
            if (index != null) {
                values.add(index.values());
            }
        }
        return values;
    }

    /** {@code others} and the plain entries, as one live view: iterated in turn, sized together. */
    Collection<Entry> with(Collection<Entry> others) {
        List<Collection<Entry>> parts = values();
        parts.add(0, others);
        return new AbstractCollection<>() {
            @Override
            public Iterator<Entry> iterator() {
                return parts.stream().flatMap(Collection::stream).iterator();
            }

            @Override
            public int size() {
                return parts.stream().mapToInt(Collection::size).sum();
            }
        };
    }
}
