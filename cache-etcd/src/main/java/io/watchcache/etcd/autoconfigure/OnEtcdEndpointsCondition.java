package io.watchcache.etcd.autoconfigure;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.List;

/**
 * Matches when the application declares an {@link EtcdConnectionDetails} bean, or when
 * {@code watchcache.etcd.endpoints} holds at least one endpoint, written either as a
 * comma-separated value or as a YAML list (which {@code @ConditionalOnProperty} cannot see).
 * Evaluated when beans are registered, so the application's own definitions are known.
 */
class OnEtcdEndpointsCondition extends SpringBootCondition implements ConfigurationCondition {

    @Override
    public ConfigurationPhase getConfigurationPhase() {
        return ConfigurationPhase.REGISTER_BEAN;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConfigurableListableBeanFactory beans = context.getBeanFactory();
        if (beans != null && beans.getBeanNamesForType(EtcdConnectionDetails.class, true, false).length > 0) {
            return ConditionOutcome.match("an EtcdConnectionDetails bean is declared");
        }
        List<String> endpoints = Binder.get(context.getEnvironment())
                .bind("watchcache.etcd.endpoints", Bindable.listOf(String.class)).orElse(List.of());
        if (endpoints == null || endpoints.isEmpty()) {
            return ConditionOutcome.noMatch("watchcache.etcd.endpoints is not set and no EtcdConnectionDetails bean"
                    + " is declared");
        }
        return ConditionOutcome.match("watchcache.etcd.endpoints " + endpoints);
    }
}
