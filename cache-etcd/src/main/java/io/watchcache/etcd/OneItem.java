package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The content of a range that holds one key, the common case (an etcd key's): the key, its value
 * and its mod revision in one immutable object of 32 bytes, where {@code Map.of(key, item)} takes
 * 56 with its item, and an {@code AbstractMap} 40 with its view fields. The item is made when
 * asked for, at most a few times per change. Every method that would modify it throws.
 */
final class OneItem implements Map<String, RangeContent.Item> {

    private final String key;
    private final String value;
    private final long modRevision;

    OneItem(String key, RangeContent.Item item) {
        this.key = key;
        this.value = item.value();
        this.modRevision = item.modRevision();
    }

    private RangeContent.Item item() {
        return new RangeContent.Item(value, modRevision);
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
    public RangeContent.@Nullable Item get(Object other) {
        return key.equals(other) ? item() : null;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super RangeContent.Item> action) {
        action.accept(key, item());
    }

    @Override
    public Set<String> keySet() {
        return Set.of(key);
    }

    @Override
    public Collection<RangeContent.Item> values() {
        return List.of(item());
    }

    @Override
    public Set<Entry<String, RangeContent.Item>> entrySet() {
        return Set.of(Map.entry(key, item()));
    }

    @Override
    public RangeContent.Item put(String k, RangeContent.Item v) {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public RangeContent.Item remove(Object k) {
        throw new UnsupportedOperationException("immutable");
    }

    @Override
    public void putAll(Map<? extends String, ? extends RangeContent.Item> m) {
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
