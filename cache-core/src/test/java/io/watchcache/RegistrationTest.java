package io.watchcache;

import io.watchcache.testing.ScriptedType;
import io.watchcache.testing.VersionedStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.watchcache.TestSupport.req;
import static org.assertj.core.api.Assertions.assertThat;

/** What {@link WatchCache#register} returns, and the name-only look-ups. */
class RegistrationTest {

    @Test
    void registerReturnsATypedHandleWithTheEffectiveOptions() throws Exception {
        try (VersionedStore store = new VersionedStore();
             WatchCache cache = new WatchCache(CacheOptions.builder().defaultQueryTimeout(Duration.ofMinutes(2))
                     .defaultLastGetTtl(Duration.ofHours(1)).build())) {
            store.put("k", "v");
            // Overrides replace refresh too (see RegisterOptions.overriddenBy): start from the type's own.
            AsyncCacheType<CacheRequest, String> type = store.stringType();
            TypedCache<CacheRequest, String> values = cache.register("values", type,
                    type.registerOptions().toBuilder().lastGetTtl(Duration.ofMinutes(5)).build());
            TypedCache<CacheRequest, String> plain = cache.register("plain", ScriptedType.plain().answer("p", 1));

            // The type's own options, the override, then the cache's defaults.
            assertThat(values.name()).isEqualTo("values");
            assertThat(values.options()).isEqualTo(new RegisterOptions(true, true, null, Duration.ofMinutes(2),
                    Duration.ofMinutes(5)));
            assertThat(plain.options().queryTimeout()).isEqualTo(Duration.ofMinutes(2));
            assertThat(plain.options().lastGetTtl()).isEqualTo(Duration.ofHours(1));
            String value = values.get(req("k")).value();
            assertThat(value).isEqualTo("v");

            // Name-only callers get the same handle, and the names in registration order.
            assertThat(cache.typeNames()).containsExactly("values", "plain");
            assertThat(cache.<CacheRequest, String>type("values")).isSameAs(values);
            assertThat(cache.<CacheRequest, String>type("values").get(req("k")).meta().hit()).isTrue();
        }
    }
}
