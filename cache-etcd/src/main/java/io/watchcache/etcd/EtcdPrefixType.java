package io.watchcache.etcd;

import io.etcd.jetcd.Client;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every key under a prefix, as a {@link PrefixSnapshot}: the sorted entries and which keys
 * changed since the previous value. The index moves only when something under the prefix is put
 * or deleted, never on other writes (a sibling such as {@code pp} of {@code p/} included).
 */
public final class EtcdPrefixType extends EtcdRangeType<PrefixSnapshot> {

    public EtcdPrefixType(Client client) {
        this(client, EtcdTypeOptions.defaults());
    }

    public EtcdPrefixType(Client client, EtcdTypeOptions options) {
        super(client, true, options);
    }

    @Override
    PrefixSnapshot value(NavigableMap<String, RangeWatch.Item> items, Set<String> changed, PrefixSnapshot previous,
                         long index, long previousIndex) {
        TreeMap<String, String> entries = new TreeMap<>();
        for (Map.Entry<String, RangeWatch.Item> e : items.entrySet()) {
            entries.put(e.getKey(), e.getValue().value());
        }
        TreeSet<String> added = new TreeSet<>();
        TreeSet<String> updated = new TreeSet<>();
        TreeSet<String> removed = new TreeSet<>();
        for (String key : changed) {
            boolean was = previous != null && previous.entries().containsKey(key);
            boolean is = entries.containsKey(key);
            if (was && is) {
                updated.add(key);
            } else if (is) {
                added.add(key);
            } else if (was) {
                removed.add(key);
            }
        }
        return new PrefixSnapshot(entries, new PrefixSnapshot.Changes(added, updated, removed), index,
                previousIndex);
    }
}
