package io.watchcache.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One etcd key: the value is the key's UTF-8 value, or empty when the key does not exist; the
 * index moves only when that key is put or deleted.
 */
public final class EtcdKeyType extends EtcdRangeType<Optional<String>> {

    public EtcdKeyType(Client client) {
        this(client, Duration.ofSeconds(5));
    }

    /** @param requestTimeout how long one read may take before the fetch fails */
    public EtcdKeyType(Client client, Duration requestTimeout) {
        super(client, false, requestTimeout);
    }

    @Override
    protected Optional<String> value(List<KeyValue> kvs) {
        return kvs.isEmpty() ? Optional.empty() : Optional.of(utf8(kvs.get(0).getValue()));
    }
}
