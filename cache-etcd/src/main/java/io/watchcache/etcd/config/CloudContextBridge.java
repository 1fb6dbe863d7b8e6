package io.watchcache.etcd.config;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationContext;

import java.util.Set;

/**
 * Spring Cloud Context's {@link EnvironmentChangeEvent}, which makes its rebinder re-bind every
 * {@code @ConfigurationProperties} bean. Loaded only when spring-cloud-context is present.
 */
final class CloudContextBridge {

    private CloudContextBridge() {
    }

    static void environmentChanged(ApplicationContext context, Set<String> keys) {
        context.publishEvent(new EnvironmentChangeEvent(context, keys));
    }
}
