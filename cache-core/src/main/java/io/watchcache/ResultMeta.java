package io.watchcache;

import java.time.Duration;

/**
 * What the cache knows about an answer.
 *
 * @param hit   the first look at the cache satisfied the request
 * @param age   for refreshing types, zero while the background query is healthy, else the time
 *              since contact was lost; for other types, the time since the value was fetched
 * @param index the entry's index
 */
public record ResultMeta(boolean hit, Duration age, long index) {
}
