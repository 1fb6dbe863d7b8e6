package io.watchcache.spring.boot;

import io.watchcache.CacheSnapshot;
import io.watchcache.WatchCache;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.time.Duration;
import java.util.List;

/**
 * The {@code watchcache} actuator endpoint: types with their effective options, entries and
 * watches ({@code GET}), and eviction of one entry by its id ({@code DELETE /{id}}).
 * Entries are named by an opaque id, never by their token.
 */
@Endpoint(id = "watchcache")
public class WatchCacheEndpoint {

    private final WatchCache cache;

    public WatchCacheEndpoint(WatchCache cache) {
        this.cache = cache;
    }

    @ReadOperation
    public WatchCacheDescriptor describe() {
        CacheSnapshot snapshot = cache.snapshot();
        List<TypeDescriptor> types = snapshot.types().stream().map(t -> new TypeDescriptor(t.name(),
                t.options().supportsBlocking(), t.options().refresh(), text(t.options().refreshTimer()),
                text(t.options().queryTimeout()), text(t.options().lastGetTtl()))).toList();
        List<EntryDescriptor> entries = snapshot.entries().stream().map(e -> new EntryDescriptor(e.id(), e.type(),
                e.key(), e.partition(), e.index(), e.valid(), text(e.age()), e.fetching(), e.lastError(),
                text(e.lostContact()))).toList();
        List<WatchDescriptor> watches = snapshot.watches().stream().map(w -> new WatchDescriptor(w.type(), w.key(),
                w.partition(), w.correlationId(), w.lastIndex())).toList();
        return new WatchCacheDescriptor(types, entries, watches);
    }

    @DeleteOperation
    public EvictionDescriptor evict(@Selector String id) {
        return new EvictionDescriptor(id, cache.evict(id));
    }

    private static String text(Duration duration) {
        return duration == null ? null : duration.toString();
    }

    public record WatchCacheDescriptor(List<TypeDescriptor> types, List<EntryDescriptor> entries,
                                       List<WatchDescriptor> watches) {
    }

    /** Durations are ISO-8601 ({@code PT10M}); {@code null} means unset. */
    public record TypeDescriptor(String name, boolean supportsBlocking, boolean refresh, String refreshTimer,
                                 String queryTimeout, String lastGetTtl) {
    }

    public record EntryDescriptor(String id, String type, String key, String partition, long index, boolean valid,
                                  String age, boolean fetching, String lastError, String lostContact) {
    }

    public record WatchDescriptor(String type, String key, String partition, String correlationId, long lastIndex) {
    }

    public record EvictionDescriptor(String id, boolean evicted) {
    }
}
