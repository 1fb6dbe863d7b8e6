package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheType;
import io.watchcache.TypedCache;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;

/**
 * The generics of {@code CacheType<R, V>} beans, read from their bean definitions (a
 * {@code @Bean} method's generic return type), else from the bean's class, without creating
 * the bean.
 */
final class CacheTypeBeans {

    private CacheTypeBeans() {
    }

    /**
     * The bean's {@code CacheType<R, V>}, as declared; its generics are unresolved
     * ({@link ResolvableType#NONE} when the bean is unknown) when the declaration does not say.
     */
    static ResolvableType cacheType(ConfigurableListableBeanFactory beanFactory, String name) {
        if (!beanFactory.containsBean(name)) {
            return ResolvableType.NONE;
        }
        ResolvableType declared = ResolvableType.NONE;
        if (beanFactory.containsBeanDefinition(name)) {
            BeanDefinition definition = beanFactory.getMergedBeanDefinition(name);
            declared = definition.getResolvableType().as(CacheType.class);
        }
        if (declared.equals(ResolvableType.NONE) || declared.getGeneric(1).resolve() == null) {
            Class<?> beanClass = beanFactory.getType(name, false);
            ResolvableType fromClass = beanClass == null ? ResolvableType.NONE
                    : ResolvableType.forClass(beanClass).as(CacheType.class);
            if (!fromClass.equals(ResolvableType.NONE) && fromClass.getGeneric(1).resolve() != null) {
                declared = fromClass;
            }
        }
        return declared;
    }

    /** The {@code V} of the bean's {@code CacheType<R, V>}, or {@link ResolvableType#NONE}. */
    static ResolvableType valueType(ConfigurableListableBeanFactory beanFactory, String name) {
        ResolvableType value = cacheType(beanFactory, name).getGeneric(1);
        return value.resolve() == null ? ResolvableType.NONE : value;
    }

    /**
     * {@code TypedCache} or {@code CacheType} when a bean lookup that failed wanted one of them
     * ({@code wanted}, or else {@code beanType}), else null: what the starter's injection
     * analyses are about.
     */
    static @Nullable Class<?> cacheHandle(@Nullable ResolvableType wanted, @Nullable Class<?> beanType) {
        Class<?> raw = wanted != null ? wanted.resolve() : beanType;
        return TypedCache.class.equals(raw) || CacheType.class.equals(raw) ? raw : null;
    }
}
