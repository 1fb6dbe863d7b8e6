package io.watchcache.etcd.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.List;

/**
 * Matches when {@code watchcache.etcd.endpoints} holds at least one endpoint, written either as
 * a comma-separated value or as a YAML list (which {@code @ConditionalOnProperty} cannot see).
 */
class OnEtcdEndpointsCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        List<String> endpoints = Binder.get(context.getEnvironment())
                .bind("watchcache.etcd.endpoints", Bindable.listOf(String.class)).orElse(List.of());
        if (endpoints == null || endpoints.isEmpty()) {
            return ConditionOutcome.noMatch("watchcache.etcd.endpoints is not set");
        }
        return ConditionOutcome.match("watchcache.etcd.endpoints " + endpoints);
    }
}
