package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;
import org.pcollections.TreePMap;

import java.util.Map;
import java.util.Set;

/**
 * Every key under a prefix, as a {@link PrefixSnapshot}: the sorted entries and which keys
 * changed since the previous value. The index moves only when something under the prefix is put
 * or deleted, never on other writes (a sibling such as {@code pp} of {@code p/} included).
 */
public final class EtcdPrefixType extends EtcdRangeType<PrefixSnapshot> {

    public EtcdPrefixType(EtcdConnection connection) {
        this(connection, EtcdTypeOptions.defaults());
    }

    public EtcdPrefixType(EtcdConnection connection, EtcdTypeOptions options) {
        super(connection, true, options);
    }

    /**
     * Applies the changed keys to the previous value's entries: a persistent map, so each key
     * costs O(log n) and the rest is shared, whatever the size of the prefix. The previous value
     * stays as it was for whoever still holds it.
     */
    @Override
    PrefixSnapshot value(Map<String, RangeContent.Item> items, Set<String> changed,
                         @Nullable PrefixSnapshot previous, long index, long previousIndex) {
        TreePMap<String, String> before = previous != null && previous.entries() instanceof TreePMap<String, String> p
                ? p : TreePMap.empty();
        TreePMap<String, String> entries = before;
        for (String key : changed) {
            RangeContent.Item item = items.get(key);
            entries = item != null ? entries.plus(key, item.value()) : entries.minus(key);
        }
        return new PrefixSnapshot(entries, PrefixSnapshot.classify(changed, before, entries), index, previousIndex,
                previous);
    }
}
