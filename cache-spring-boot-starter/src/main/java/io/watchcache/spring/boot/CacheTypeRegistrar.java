package io.watchcache.spring.boot;

import io.watchcache.CacheType;
import io.watchcache.WatchCache;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Registers every {@link CacheType} bean under its bean name with the {@link WatchCache} bean
 * as soon as that bean is initialised, so the types are there before anything can read or
 * watch, whether the cache is auto-configured or the application's own. Per-type overrides
 * from {@code watchcache.types.<name>.*} are laid on top of each type's own options; an
 * override for a name with no {@code CacheType} bean fails startup.
 */
class CacheTypeRegistrar implements BeanPostProcessor, BeanFactoryAware {

    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (bean instanceof WatchCache cache) {
            register(cache);
        }
        return bean;
    }

    @SuppressWarnings("rawtypes")
    private void register(WatchCache cache) {
        WatchCacheProperties properties = beanFactory.getBeanProvider(WatchCacheProperties.class)
                .getIfAvailable(WatchCacheProperties::new);
        Map<String, CacheType> types = beanFactory.getBeansOfType(CacheType.class);
        Set<String> unknown = new TreeSet<>(properties.getTypes().keySet());
        unknown.removeAll(types.keySet());
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            throw new InvalidWatchCacheConfigurationException("watchcache.types." + name,
                    properties.getTypes().get(name), "there is no CacheType bean named '" + name
                    + "'; CacheType beans: " + new TreeSet<>(types.keySet()), null);
        }
        Set<String> registered = cache.typeNames();
        types.forEach((name, type) -> {
            if (!registered.contains(name)) {
                cache.register(name, type,
                        CacheOptionsFactory.typeOptions(name, type.registerOptions(), properties.getTypes().get(name)));
            }
        });
    }
}
