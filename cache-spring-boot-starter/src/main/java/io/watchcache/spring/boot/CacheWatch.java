package io.watchcache.spring.boot;

import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * A watch declared as a bean: while the application context runs, every update of
 * {@code request} is published as a {@link CacheUpdateEvent} with this correlation id.
 * Declare it from the type's {@link TypedCache}, which the starter provides for every
 * {@code CacheType} bean, so no type name is repeated:
 *
 * <pre>{@code
 * @Bean
 * CacheWatch webConfigWatch(TypedCache<ConfigQuery, WebConfig> config) {
 *     return CacheWatch.of(config, new ConfigQuery("web/settings"), "web");
 * }
 * }</pre>
 *
 * {@link #of(String, CacheRequest, String)} names the type instead, for names that come from
 * configuration; an unknown name fails startup with the registered names listed.
 */
public final class CacheWatch {

    private final String type;
    private final @Nullable TypedCache<?, ?> cache;
    private final CacheRequest request;
    private final String correlationId;

    private CacheWatch(String type, @Nullable TypedCache<?, ?> cache, CacheRequest request, String correlationId) {
        this.type = Objects.requireNonNull(type, "type");
        this.cache = cache;
        this.request = Objects.requireNonNull(request, "request");
        this.correlationId = Objects.requireNonNull(correlationId, "correlationId");
    }

    /**
     * @param cache         the type to watch (inject {@code TypedCache<R, V>})
     * @param request       what to watch
     * @param correlationId the id events carry, to tell watches apart in listeners
     */
    public static <R extends CacheRequest> CacheWatch of(TypedCache<R, ?> cache, R request, String correlationId) {
        Objects.requireNonNull(cache, "cache");
        return new CacheWatch(cache.name(), cache, request, correlationId);
    }

    /**
     * @param type          the registered type name (the {@code CacheType} bean's name)
     * @param request       what to watch
     * @param correlationId the id events carry, to tell watches apart in listeners
     */
    public static CacheWatch of(String type, CacheRequest request, String correlationId) {
        return new CacheWatch(type, null, request, correlationId);
    }

    public String type() {
        return type;
    }

    /** The typed cache the watch was declared from, or {@code null} when it was declared by name. */
    public @Nullable TypedCache<?, ?> cache() {
        return cache;
    }

    public CacheRequest request() {
        return request;
    }

    public String correlationId() {
        return correlationId;
    }

    @Override
    public String toString() {
        return "CacheWatch[type=" + type + ", key=" + request.cacheInfo().key() + ", correlationId=" + correlationId
                + "]";
    }
}
