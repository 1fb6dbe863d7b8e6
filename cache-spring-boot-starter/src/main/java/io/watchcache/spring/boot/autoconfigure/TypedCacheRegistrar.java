package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.ResolvableType;

/**
 * Declares a {@code TypedCache<R, V>} bean for every {@code CacheType<R, V>} bean, so the typed
 * handle can be injected by its generic type or by {@code @Qualifier("<type name>")}. The bean
 * is named {@code <type name>TypedCache}; its instance is the cache's own handle of the type.
 *
 * <p>It only adds definitions: no bean is created here. Ahead-of-time processing records them
 * like any other, and at run time this finds them already there.
 */
class TypedCacheRegistrar implements BeanFactoryPostProcessor {

    static final String SUFFIX = "TypedCache";

    /** Runs after every definition is in (configuration classes included), so the CacheType beans are known. */
    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
        if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
            return;
        }
        for (String name : CacheTypeRegistrar.cacheTypeBeanNames(beanFactory)) {
            String beanName = name + SUFFIX;
            if (registry.containsBeanDefinition(beanName)) {
                continue;
            }
            ResolvableType cacheType = CacheTypeBeans.cacheType(beanFactory, name);
            RootBeanDefinition definition = new RootBeanDefinition(TypedCacheRegistrar.class);
            definition.setFactoryMethodName("typedCache");
            definition.setAutowireMode(AutowireCapableBeanFactory.AUTOWIRE_CONSTRUCTOR);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(1, name);
            definition.setTargetType(typedCacheType(cacheType));
            definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
            definition.setDependsOn(name);
            registry.registerBeanDefinition(beanName, definition);
        }
    }

    /** The factory method of the definitions above: the cache's handle of type {@code name}. */
    static <R extends CacheRequest, V> TypedCache<R, V> typedCache(WatchCache cache, String name) {
        return cache.type(name);
    }

    /**
     * {@code TypedCache<R, V>} for a {@code CacheType<R, V>}; raw when the declaration does not
     * say, so that injection points still match it by qualifier.
     */
    private static ResolvableType typedCacheType(ResolvableType cacheType) {
        ResolvableType request = cacheType.getGeneric(0);
        ResolvableType value = cacheType.getGeneric(1);
        if (request.resolve() == null || value.resolve() == null) {
            return ResolvableType.forClass(TypedCache.class);
        }
        return ResolvableType.forClassWithGenerics(TypedCache.class, request, value);
    }
}
