package io.watchcache.spring.boot;

import io.watchcache.CacheRequest;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;
import io.watchcache.WatchCache;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Starts watches whose updates are published as {@link CacheUpdateEvent}s. The watch beans
 * ({@link CacheWatch}) go through here; applications may call it for watches they start at
 * run time, and must cancel the returned subscription when done.
 *
 * <p>With Micrometer's context-propagation library on the classpath (Spring Boot's tracing
 * brings it), listeners run with the thread-local context captured where the watch was
 * started: the trace and the MDC of the code that started it.
 */
public class CacheEventPublisher {

    private static final boolean CONTEXT_PROPAGATION = ClassUtils.isPresent(
            "io.micrometer.context.ContextSnapshotFactory", CacheEventPublisher.class.getClassLoader());

    private final WatchCache cache;
    private final ApplicationEventPublisher publisher;
    private final Function<String, ResolvableType> valueTypeOf;
    private final Map<String, ResolvableType> valueTypes = new ConcurrentHashMap<>();

    /**
     * @param valueTypeOf the {@code V} of the {@code CacheType<R, V>} registered under a name
     *                    ({@link ResolvableType#NONE} when unknown): the generic type of the
     *                    events, which selects the listeners
     */
    public CacheEventPublisher(WatchCache cache, ApplicationEventPublisher publisher,
                               Function<String, ResolvableType> valueTypeOf) {
        this.cache = cache;
        this.publisher = publisher;
        this.valueTypeOf = valueTypeOf;
    }

    /**
     * Starts {@code watch}.
     *
     * @throws io.watchcache.UnknownTypeException when it names a type that is not registered
     */
    @SuppressWarnings("unchecked")
    public Subscription publish(CacheWatch watch) {
        TypedCache<CacheRequest, Object> typed = watch.cache() != null
                ? (TypedCache<CacheRequest, Object>) watch.cache() : cache.type(watch.type());
        return publish(typed, watch.request(), watch.correlationId());
    }

    /**
     * Watches {@code request} of {@code type} and publishes every update. An {@code @EventListener}
     * that throws does not keep the event from the others; it is logged once per watch and
     * counted in {@code watchcache.listener.failures}, and the watch goes on.
     *
     * @throws io.watchcache.UnknownTypeException when no type is registered under {@code type}
     */
    public Subscription publish(String type, CacheRequest request, String correlationId) {
        return publish(cache.<CacheRequest, Object>type(type), request, correlationId);
    }

    /** Watches {@code request} of {@code type} and publishes every update. */
    public <R extends CacheRequest, V> Subscription publish(TypedCache<R, V> type, R request, String correlationId) {
        ResolvableType valueType = valueTypes.computeIfAbsent(type.name(), valueTypeOf);
        Consumer<UpdateEvent<V>> deliver = update -> publisher.publishEvent(
                new CacheUpdateEvent<>(cache, update, valueType));
        return type.watch(request, correlationId, CONTEXT_PROPAGATION ? ContextCapture.capture(deliver) : deliver);
    }
}
