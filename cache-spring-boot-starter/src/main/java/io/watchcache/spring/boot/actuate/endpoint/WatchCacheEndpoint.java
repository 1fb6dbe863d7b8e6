package io.watchcache.spring.boot.actuate.endpoint;

import io.watchcache.CacheSnapshot;
import io.watchcache.RequestInfo;
import io.watchcache.WatchCache;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.time.Duration;
import java.util.List;

/**
 * The {@code watchcache} actuator endpoint: types with their effective options, entries and
 * watches ({@code GET}), and eviction of one entry by its id ({@code DELETE /{id}}, 404 over
 * HTTP when there is none). Entries are named by an opaque id, never by their token. Keys,
 * partitions and error messages may name things that are secret: they are shown as
 * {@value #MASK} unless {@code management.endpoint.watchcache.show-values} allows them, as
 * Boot's own sanitizing endpoints do.
 */
@Endpoint(id = "watchcache")
public class WatchCacheEndpoint {

    /** What a hidden value reads as; Boot's endpoints use the same. */
    public static final String MASK = RequestInfo.MASK;

    private final WatchCache cache;
    private final Show showValues;

    public WatchCacheEndpoint(WatchCache cache, Show showValues) {
        this.cache = cache;
        this.showValues = showValues;
    }

    /** Over JMX there is no HTTP principal: {@code when-authorized} counts as authorized, as in Boot. */
    @ReadOperation
    public WatchCacheDescriptor describe() {
        return describe(showValues.isShown(true));
    }

    WatchCacheDescriptor describe(boolean show) {
        CacheSnapshot snapshot = cache.snapshot();
        List<TypeDescriptor> types = snapshot.types().stream().map(t -> new TypeDescriptor(t.name(),
                t.options().supportsBlocking(), t.options().refresh(), text(t.options().refreshTimer()),
                text(t.options().queryTimeout()), text(t.options().lastGetTtl()), t.options().consistentReads()))
                .toList();
        List<EntryDescriptor> entries = snapshot.entries().stream().map(e -> new EntryDescriptor(e.id(), e.type(),
                shown(e.key(), show), shown(e.partition(), show), e.index(), e.valid(), text(e.age()), e.fetching(),
                shown(e.lastError(), show), text(e.lostContact()), e.failed(), e.held())).toList();
        List<WatchDescriptor> watches = snapshot.watches().stream().map(w -> new WatchDescriptor(w.type(),
                shown(w.key(), show), shown(w.partition(), show), w.correlationId(), w.lastIndex())).toList();
        return new WatchCacheDescriptor(types, entries, watches);
    }

    /** Evicts the entry; over HTTP an unknown id is a 404 (see {@link WatchCacheEndpointWebExtension}). */
    @DeleteOperation
    public EvictionDescriptor evict(@Selector String id) {
        return new EvictionDescriptor(id, cache.evict(id));
    }

    Show showValues() {
        return showValues;
    }

    /** The one masking rule: {@code value} as it is when values are shown, else {@value #MASK}. */
    public static @Nullable String shown(@Nullable String value, boolean show) {
        return value == null || show ? value : MASK;
    }

    private static @Nullable String text(@Nullable Duration duration) {
        return duration == null ? null : duration.toString();
    }

    public record WatchCacheDescriptor(List<TypeDescriptor> types, List<EntryDescriptor> entries,
                                       List<WatchDescriptor> watches) {
    }

    /** Durations are ISO-8601 ({@code PT10M}); {@code null} means unset. */
    public record TypeDescriptor(String name, boolean supportsBlocking, boolean refresh, @Nullable String refreshTimer,
                                 @Nullable String queryTimeout, @Nullable String lastGetTtl, boolean consistentReads) {
    }

    public record EntryDescriptor(String id, String type, @Nullable String key, @Nullable String partition, long index,
                                  boolean valid, @Nullable String age, boolean fetching, @Nullable String lastError,
                                  @Nullable String lostContact, boolean failed, boolean held) {
    }

    public record WatchDescriptor(String type, @Nullable String key, @Nullable String partition, String correlationId,
                                 long lastIndex) {
    }

    public record EvictionDescriptor(String id, boolean evicted) {
    }
}
