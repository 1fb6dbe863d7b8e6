package io.watchcache.spring.boot;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import io.watchcache.WatchCache;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.ResolvableType;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts watches whose updates are published as {@link CacheUpdateEvent}s. The watch beans
 * ({@link CacheWatch}) go through here; applications may call it for watches they start at
 * run time, and must cancel the returned subscription when done.
 */
public class CacheEventPublisher {

    private final WatchCache cache;
    private final ApplicationEventPublisher publisher;
    private final ConfigurableListableBeanFactory beanFactory;
    private final Map<String, ResolvableType> valueTypes = new ConcurrentHashMap<>();

    public CacheEventPublisher(WatchCache cache, ApplicationEventPublisher publisher,
                               ConfigurableListableBeanFactory beanFactory) {
        this.cache = cache;
        this.publisher = publisher;
        this.beanFactory = beanFactory;
    }

    public Subscription publish(CacheWatch watch) {
        return publish(watch.type(), watch.request(), watch.correlationId());
    }

    /**
     * Watches {@code request} of {@code type} and publishes every update. A listener that throws
     * is logged by the watch, which goes on.
     */
    public Subscription publish(String type, CacheRequest request, String correlationId) {
        ResolvableType valueType = valueTypes.computeIfAbsent(type, this::valueType);
        TypedCache<CacheRequest, Object> typed = cache.type(type);
        return typed.watch(request, correlationId,
                (UpdateEvent<Object> update) -> publisher.publishEvent(new CacheUpdateEvent<>(cache, update, valueType)));
    }

    /**
     * The {@code V} of the {@code CacheType<R, V>} bean named {@code type}: from the bean
     * definition (a {@code @Bean} method's generic return type), else from the bean's class.
     */
    private ResolvableType valueType(String type) {
        if (beanFactory == null || !beanFactory.containsBean(type)) {
            return ResolvableType.NONE;
        }
        ResolvableType declared = ResolvableType.NONE;
        if (beanFactory.containsBeanDefinition(type)) {
            BeanDefinition definition = beanFactory.getMergedBeanDefinition(type);
            declared = definition.getResolvableType().as(CacheType.class).getGeneric(1);
        }
        if (declared.resolve() == null) {
            Class<?> beanClass = beanFactory.getType(type);
            declared = beanClass == null ? ResolvableType.NONE
                    : ResolvableType.forClass(beanClass).as(CacheType.class).getGeneric(1);
        }
        return declared.resolve() == null ? ResolvableType.NONE : declared;
    }
}
