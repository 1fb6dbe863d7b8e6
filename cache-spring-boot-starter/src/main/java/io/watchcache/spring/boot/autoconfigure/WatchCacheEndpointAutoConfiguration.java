package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.WatchCache;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpointProperties;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpointWebExtension;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code watchcache} actuator endpoint, when Actuator is present and the endpoint is available. */
@AutoConfiguration(after = WatchCacheAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(WatchCache.class)
public final class WatchCacheEndpointAutoConfiguration {

    // Nested, so the Actuator classes its annotations name load only once Actuator was found.
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(WatchCacheEndpoint.class)
    @EnableConfigurationProperties(WatchCacheEndpointProperties.class)
    static class Available {

        @Bean
        @ConditionalOnMissingBean
        WatchCacheEndpoint watchCacheEndpoint(WatchCache cache, WatchCacheEndpointProperties properties) {
            return new WatchCacheEndpoint(cache, properties.getShowValues());
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnClass(EndpointWebExtension.class)
        @ConditionalOnBean(WatchCacheEndpoint.class)
        WatchCacheEndpointWebExtension watchCacheWebEndpointExtension(WatchCacheEndpoint endpoint,
                                                                      WatchCacheEndpointProperties properties) {
            return new WatchCacheEndpointWebExtension(endpoint, properties.getRoles());
        }
    }
}
