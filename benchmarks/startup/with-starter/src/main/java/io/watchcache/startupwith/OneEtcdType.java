package io.watchcache.startupwith;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.etcd.EtcdCacheTypes;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Optional;

/** What the startup benchmark adds to the plain application: one etcd key type, as the sample declares it. */
@Configuration(proxyBeanMethods = false)
public class OneEtcdType {

    @Bean
    CacheType<CacheRequest, Optional<String>> values(EtcdCacheTypes etcd) {
        return etcd.keyType();
    }
}
