package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.List;

/**
 * A point-in-time view of a cache for operators (the actuator endpoint, health checks).
 * It never contains a token: entries are told apart by an opaque {@link EntryView#id()}.
 */
public record CacheSnapshot(List<TypeView> types, List<EntryView> entries, List<WatchView> watches) {

    /** A registered type with its effective options (defaults resolved). */
    public record TypeView(String name, RegisterOptions options) {
    }

    /**
     * One entry.
     *
     * @param id          opaque id, stable for the life of the entry; pass it to {@link WatchCache#evict(String)}
     * @param valid       whether the entry holds a fetched value
     * @param age         time since the value was fetched
     * @param fetching    whether a fetch is running right now
     * @param lastError   the error of the last fetch (type and message), or {@code null} when it succeeded
     * @param lostContact for refreshing types, how long the background query has been failing, or {@code null}
     * @param failed      whether the refresh stopped on an error the type calls fatal ({@code lastError}):
     *                    the source answered with a refusal, so this is not lost contact
     * @param held        whether a watch or a live value holds the entry: something the application
     *                    depends on, as opposed to an entry that exists because one request asked for it
     * @param waiters     how many reads wait on the entry right now for a newer value: callers parked
     *                    in {@code get}, pending {@code getAsync} futures and watch reads
     */
    public record EntryView(String id, String type, String key, String partition, long index, boolean valid,
                            @Nullable Duration age, boolean fetching, @Nullable String lastError,
                            @Nullable Duration lostContact, boolean failed,
                            boolean held, int waiters) {
    }

    /** One active watch. */
    public record WatchView(String type, String key, String partition, String correlationId, long lastIndex) {
    }
}
