package io.watchcache.sample;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.LiveValue;
import io.watchcache.TypedCache;
import io.watchcache.etcd.EtcdCacheTypes;
import io.watchcache.spring.boot.CacheWatch;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The sample: one cache type named {@code values} (an embedded store by default, etcd with the
 * {@code etcd} profile), two watches whose updates are logged, a live value of the feature flag,
 * a writer that changes data every few seconds, and an HTTP API that reads through the cache
 * like a blocking-query client.
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }

    // The starter declares a TypedCache<R, V> bean for every CacheType<R, V> bean: watches and
    // live values are declared from it, with no type name to repeat.

    @Bean
    CacheWatch greetingWatch(TypedCache<CacheRequest, Optional<String>> values) {
        return CacheWatch.of(values, ValueRequest.of("greeting"), "greeting");
    }

    @Bean
    CacheWatch featureFlagWatch(TypedCache<CacheRequest, Optional<String>> values) {
        return CacheWatch.of(values, ValueRequest.of("feature-flags/new-ui"), "new-ui");
    }

    /** The feature flag as a held, always-fresh value: reading it is a field read. Closed with the context. */
    @Bean
    LiveValue<Optional<String>> newUiFlag(TypedCache<CacheRequest, Optional<String>> values) {
        return values.live(ValueRequest.of("feature-flags/new-ui"), "newUiFlag");
    }

    @Configuration(proxyBeanMethods = false)
    @Profile("!etcd")
    static class Embedded {

        @Bean
        EmbeddedStore embeddedStore() {
            return new EmbeddedStore();
        }

        @Bean
        CacheType<CacheRequest, Optional<String>> values(EmbeddedStore store) {
            return new EmbeddedStoreType(store);
        }

        @Bean
        SampleBackend embeddedBackend(EmbeddedStore store) {
            return new SampleBackend() {
                @Override
                public void put(String key, String value) {
                    store.put(key, value);
                }

                @Override
                public void delete(String key) {
                    store.delete(key);
                }

                @Override
                public String name() {
                    return "embedded store";
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Profile("etcd")
    static class Etcd {

        @Bean
        CacheType<CacheRequest, Optional<String>> values(EtcdCacheTypes etcd) {
            return etcd.keyType();
        }

        @Bean
        SampleBackend etcdBackend(EtcdCacheTypes types) {
            Client etcd = types.client();
            return new SampleBackend() {
                @Override
                public void put(String key, String value) throws Exception {
                    etcd.getKVClient().put(utf8(key), utf8(value)).get(10, TimeUnit.SECONDS);
                }

                @Override
                public void delete(String key) throws Exception {
                    etcd.getKVClient().delete(utf8(key)).get(10, TimeUnit.SECONDS);
                }

                @Override
                public String name() {
                    return "etcd at " + String.join(",", types.options().endpoints());
                }
            };
        }

        private static ByteSequence utf8(String s) {
            return ByteSequence.from(s, StandardCharsets.UTF_8);
        }
    }
}
