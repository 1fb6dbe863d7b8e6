package io.watchcache.spring.boot;

import io.watchcache.CacheRequest;

import java.util.Objects;

/**
 * A watch declared as a bean: while the application context runs, every update of
 * {@code request} is published as a {@link CacheUpdateEvent} with this correlation id.
 *
 * <pre>{@code
 * @Bean
 * CacheWatch webConfigWatch() {
 *     return CacheWatch.of("config", () -> RequestInfo.of("web/settings"), "web");
 * }
 * }</pre>
 */
public final class CacheWatch {

    private final String type;
    private final CacheRequest request;
    private final String correlationId;

    private CacheWatch(String type, CacheRequest request, String correlationId) {
        this.type = Objects.requireNonNull(type, "type");
        this.request = Objects.requireNonNull(request, "request");
        this.correlationId = Objects.requireNonNull(correlationId, "correlationId");
    }

    /**
     * @param type          the registered type name (the {@code CacheType} bean's name)
     * @param request       what to watch
     * @param correlationId the id events carry, to tell watches apart in listeners
     */
    public static CacheWatch of(String type, CacheRequest request, String correlationId) {
        return new CacheWatch(type, request, correlationId);
    }

    public String type() {
        return type;
    }

    public CacheRequest request() {
        return request;
    }

    public String correlationId() {
        return correlationId;
    }

    @Override
    public String toString() {
        return "CacheWatch[type=" + type + ", key=" + request.cacheInfo().key() + ", correlationId=" + correlationId + "]";
    }
}
