package io.watchcache.spring.boot;

import io.watchcache.ResultMeta;
import io.watchcache.UpdateEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEvent;
import org.springframework.core.ResolvableType;
import org.springframework.core.ResolvableTypeProvider;

/**
 * An {@link UpdateEvent} of a watch, published as a Spring application event. Its generic type
 * is the value type the {@code CacheType} bean declares, so listeners can select by it:
 *
 * <pre>{@code
 * @EventListener(condition = "#event.correlationId == 'web'")
 * void on(CacheUpdateEvent<List<Service>> event) { ... }
 * }</pre>
 *
 * @param <V> the value type
 */
public class CacheUpdateEvent<V> extends ApplicationEvent implements ResolvableTypeProvider {

    private final transient UpdateEvent<V> update;
    private final transient ResolvableType valueType;

    public CacheUpdateEvent(Object source, UpdateEvent<V> update, @Nullable ResolvableType valueType) {
        super(source);
        this.update = update;
        this.valueType = valueType == null ? ResolvableType.NONE : valueType;
    }

    public String correlationId() {
        return update.correlationId();
    }

    /** The current value (after an error, the last known one; possibly {@code null}). */
    public @Nullable V value() {
        return update.value();
    }

    /** The value this watch delivered before ({@code null} on its first event). */
    public @Nullable V previousValue() {
        return update.previousValue();
    }

    public ResultMeta meta() {
        return update.meta();
    }

    /** Why the last fetch failed, or {@code null}. */
    public @Nullable Throwable error() {
        return update.error();
    }

    // Bean-style accessors, so SpEL conditions can say #event.correlationId.

    public String getCorrelationId() {
        return correlationId();
    }

    public @Nullable V getValue() {
        return value();
    }

    public ResultMeta getMeta() {
        return meta();
    }

    public @Nullable Throwable getError() {
        return error();
    }

    /** The underlying core event. */
    public UpdateEvent<V> update() {
        return update;
    }

    @Override
    public ResolvableType getResolvableType() {
        return valueType.equals(ResolvableType.NONE) ? ResolvableType.forClass(getClass())
                : ResolvableType.forClassWithGenerics(CacheUpdateEvent.class, valueType);
    }

    @Override
    public String toString() {
        return "CacheUpdateEvent[correlationId=" + correlationId() + ", index=" + meta().index()
                + ", error=" + (error() == null ? null : error().getClass().getName()) + "]";
    }
}
