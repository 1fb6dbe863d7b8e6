package io.watchcache.sample;

/** Where the sample writes: the embedded store by default, etcd with the {@code etcd} profile. */
public interface SampleBackend {

    void put(String key, String value) throws Exception;

    void delete(String key) throws Exception;

    String name();
}
