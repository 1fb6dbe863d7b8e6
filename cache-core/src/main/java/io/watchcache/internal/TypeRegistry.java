package io.watchcache.internal;

import io.watchcache.CacheOptions;
import io.watchcache.CacheType;
import io.watchcache.RegisterOptions;
import io.watchcache.UnknownTypeException;
import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The registered types by name. Registration is rare and copies the map; lookups read an
 * immutable one without a lock.
 */
final class TypeRegistry {

    private final CacheOptions defaults;
    private final Object lock = new Object();
    /** Replaced whole under {@link #lock}; read without it. Kept in registration order. */
    private volatile Map<String, TypedHandle<?, ?>> byName = Map.of();

    TypeRegistry(CacheOptions defaults) {
        this.defaults = defaults;
    }

    /** Registers {@code type}: its own options, laid over by {@code overrides}, then the cache's defaults. */
    TypedHandle<?, ?> register(String name, CacheType<?, ?> type, @Nullable RegisterOptions overrides,
                               Function<TypeRegistration, TypedHandle<?, ?>> handle,
                               Function<String, TypeMetrics> metrics) {
        requireName(name);
        Objects.requireNonNull(type, "type");
        RegisterOptions own = Objects.requireNonNull(type.registerOptions(),
                "registerOptions() of cache type '" + name + "'");
        RegisterOptions merged = own.overriddenBy(overrides);
        RegisterOptions effective = merged.toBuilder()
                .queryTimeout(merged.queryTimeout() != null ? merged.queryTimeout() : defaults.defaultQueryTimeout())
                .lastGetTtl(merged.lastGetTtl() != null ? merged.lastGetTtl() : defaults.defaultLastGetTtl())
                .build();
        synchronized (lock) {
            if (byName.containsKey(name)) {
                throw new IllegalArgumentException("cache type '" + name + "' is already registered");
            }
            TypedHandle<?, ?> created = handle.apply(new TypeRegistration(byName.size(), name, type, effective,
                    metrics.apply(name)));
            Map<String, TypedHandle<?, ?>> next = new LinkedHashMap<>(byName);
            next.put(name, created);
            byName = Collections.unmodifiableMap(next);
            return created;
        }
    }

    TypedHandle<?, ?> get(String name) {
        Objects.requireNonNull(name, "type name");
        TypedHandle<?, ?> handle = byName.get(name);
        if (handle == null) {
            // Checked only here: a registered name is never blank.
            requireName(name);
            throw new UnknownTypeException(name, byName.keySet());
        }
        return handle;
    }

    Set<String> names() {
        return byName.keySet();
    }

    Collection<TypedHandle<?, ?>> all() {
        return byName.values();
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "type name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("type name must not be blank");
        }
    }
}
