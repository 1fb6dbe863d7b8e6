package io.watchcache.etcd.config;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.context.scope.refresh.RefreshScope;
import org.springframework.context.ApplicationContext;

import java.util.Set;

/**
 * What Spring Cloud Context's own configuration watchers do after a change, minus re-reading the
 * source (the watch already delivered the new values into the environment): an
 * {@link EnvironmentChangeEvent}, which makes its rebinder re-bind every
 * {@code @ConfigurationProperties} bean, then, unless turned off, a refresh of the
 * {@link RefreshScope}: its beans are made anew, with the new values, on their next use. Loaded
 * only when spring-cloud-context is present.
 */
final class CloudContextBridge {

    private CloudContextBridge() {
    }

    static void environmentChanged(ApplicationContext context, Set<String> keys, boolean refreshScope) {
        context.publishEvent(new EnvironmentChangeEvent(context, keys));
        if (refreshScope) {
            context.getBeanProvider(RefreshScope.class).ifAvailable(RefreshScope::refreshAll);
        }
    }
}
