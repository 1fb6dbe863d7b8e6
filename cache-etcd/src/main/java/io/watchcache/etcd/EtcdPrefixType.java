package io.watchcache.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every key under a prefix: the value is a sorted, unmodifiable map of key to UTF-8 value; the
 * index moves only when something under the prefix is put or deleted, never on other writes.
 */
public final class EtcdPrefixType extends EtcdRangeType<SortedMap<String, String>> {

    public EtcdPrefixType(Client client) {
        this(client, Duration.ofSeconds(5));
    }

    /** @param requestTimeout how long one read may take before the fetch fails */
    public EtcdPrefixType(Client client, Duration requestTimeout) {
        super(client, true, requestTimeout);
    }

    @Override
    protected SortedMap<String, String> value(List<KeyValue> kvs) {
        TreeMap<String, String> map = new TreeMap<>();
        for (KeyValue kv : kvs) {
            map.put(utf8(kv.getKey()), utf8(kv.getValue()));
        }
        return Collections.unmodifiableSortedMap(map);
    }
}
