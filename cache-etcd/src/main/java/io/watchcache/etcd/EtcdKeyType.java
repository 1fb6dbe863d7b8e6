package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One etcd key: the value is the key's UTF-8 value, or empty when the key does not exist; the
 * index moves only when that key is put or deleted.
 */
public final class EtcdKeyType extends EtcdRangeType<Optional<String>> {

    public EtcdKeyType(EtcdConnection connection) {
        this(connection, EtcdTypeOptions.defaults());
    }

    public EtcdKeyType(EtcdConnection connection, EtcdTypeOptions options) {
        super(connection, false, options);
    }

    @Override
    @SuppressWarnings("NullableOptional") // the type's contract: there is no previous value on the first one
    Optional<String> value(Map<String, RangeContent.Item> items, Set<String> changed,
                           @Nullable Optional<String> previous, long index, long previousIndex) {
        // Walked with forEach: a map keeps its views once asked for, and the content is kept.
        String[] value = {null};
        items.forEach((key, item) -> value[0] = item.value());
        return Optional.ofNullable(value[0]);
    }
}
