package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheType;
import io.watchcache.WatchCache;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Registers every {@link CacheType} bean under its bean name with the {@link WatchCache} bean
 * as soon as that bean is initialised, so the types are there before anything can read or
 * watch, whether the cache is auto-configured or the application's own. Per-type overrides
 * from {@code watchcache.types.<name>.*} are laid on top of each type's own options; an
 * override for a name with no {@code CacheType} bean, or with a key an override does not have,
 * fails startup.
 */
class CacheTypeRegistrar implements BeanPostProcessor, BeanFactoryAware {

    @SuppressWarnings("NullAway.Init") // set by Spring before any bean is post-processed
    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (bean instanceof WatchCache cache) {
            // The early check (or the auto-configuration's cache) checked the whole tree already;
            // an application's own cache without it is checked here.
            register(cache, !builtByAutoConfiguration(beanName)
                    && !beanFactory.containsSingleton(WatchCacheAutoConfiguration.TREE_CHECKED));
        }
        return bean;
    }

    @SuppressWarnings("rawtypes")
    private void register(WatchCache cache, boolean checkConfiguration) {
        WatchCacheProperties properties = beanFactory.getBeanProvider(WatchCacheProperties.class)
                .getIfAvailable(WatchCacheProperties::new);
        Map<String, CacheType> types = beanFactory.getBeansOfType(CacheType.class);
        ConfigurationCheck check = new ConfigurationCheck(beanFactory.getBeanProvider(Environment.class)
                .getIfAvailable());
        if (checkConfiguration) {
            CacheOptionsFactory.checkRest(properties, check, types.keySet());
        }
        Set<String> registered = cache.typeNames();
        types.forEach((name, type) -> {
            if (!registered.contains(name)) {
                cache.register(name, type, CacheOptionsFactory.typeOptions(name, type.registerOptions(),
                        properties.getTypes().get(name), check));
            }
        });
        check.throwIfInvalid();
    }

    /**
     * Whether the auto-configuration built this cache: it checked the whole {@code watchcache.*}
     * tree then (reading the configuration metadata, scanning every property source), so it is
     * not done again here; an application's own cache was not checked and is.
     */
    private boolean builtByAutoConfiguration(String beanName) {
        if (!beanFactory.containsBeanDefinition(beanName)) {
            return false;
        }
        String factory = beanFactory.getMergedBeanDefinition(beanName).getFactoryBeanName();
        return factory != null && WatchCacheAutoConfiguration.class.equals(beanFactory.getType(factory));
    }

    static List<String> cacheTypeBeanNames(ConfigurableListableBeanFactory beanFactory) {
        return List.of(beanFactory.getBeanNamesForType(CacheType.class, true, false));
    }
}
