package io.watchcache.etcd;

import io.watchcache.CacheRequest;
import io.watchcache.RequestInfo;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * A request for an etcd key (or, for {@link EtcdPrefixType}, a key prefix).
 *
 * @param key       the key or prefix, UTF-8
 * @param partition a cache partition (for example a cluster name); empty for the default
 * @param token     separates cache entries by credential; never printed
 * @param minIndex  for blocking reads: answer once the index passes this
 * @param timeout   for blocking reads: answer with the current value after this long
 */
public record EtcdRequest(String key, String partition, String token, long minIndex, @Nullable Duration timeout)
        implements CacheRequest {

    public EtcdRequest {
        Objects.requireNonNull(key, "key");
        partition = partition == null ? "" : partition;
        token = token == null ? "" : token;
    }

    public static EtcdRequest of(String key) {
        return new EtcdRequest(key, "", "", 0, null);
    }

    /** The same request, waiting until the index passes {@code index} or {@code wait} elapses. */
    public EtcdRequest blockingAfter(long index, Duration wait) {
        return new EtcdRequest(key, partition, token, index, wait);
    }

    @Override
    public RequestInfo cacheInfo() {
        return RequestInfo.builder().key(key).partition(partition).token(token).minIndex(minIndex).timeout(timeout)
                .build();
    }

    @Override
    public String toString() {
        return "EtcdRequest[key=" + key + ", partition=" + partition + ", token="
                + (token.isEmpty() ? "" : RequestInfo.MASK) + ", minIndex=" + minIndex + ", timeout=" + timeout + "]";
    }
}
