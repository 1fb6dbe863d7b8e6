package io.watchcache.spring.boot;

import io.watchcache.WatchCache;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code watchcache} actuator endpoint, when Actuator is present and the endpoint is available. */
@AutoConfiguration(after = WatchCacheAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(WatchCache.class)
public final class WatchCacheEndpointAutoConfiguration {

    // The availability condition is an Actuator class: kept on the method, so it is only
    // loaded once the class-level @ConditionalOnClass has found Actuator.
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(WatchCacheEndpoint.class)
    WatchCacheEndpoint watchCacheEndpoint(WatchCache cache) {
        return new WatchCacheEndpoint(cache);
    }
}
