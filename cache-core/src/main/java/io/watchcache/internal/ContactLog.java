package io.watchcache.internal;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Logs when an entry loses contact with its source and when it regains it: once per
 * transition, not once per failed fetch, so an outage of a minute with a hundred retries is two
 * lines per entry. A fatal error is its own line: the source answered, so contact is not what
 * is wrong. The entry is named by its key, never its token.
 */
final class ContactLog {

    private static final Logger log = LoggerFactory.getLogger("io.watchcache.contact");

    private ContactLog() {
    }

    static void transition(String type, EntryKey key, Snapshot before, Snapshot after, long nowNanos) {
        if (!before.failed() && after.failed()) {
            // A refusal (a bad token, a missing permission): retrying would not help, so the refresh stopped.
            log.warn("Cache type '{}' stopped refreshing key '{}'{}: the source refused it ({}); the entry keeps its "
                    + "last value until a read asks again", type, key.key(), partition(key), describe(after.error()));
        }
        if (!before.lostContact() && after.lostContact()) {
            Throwable error = after.error();
            log.warn("Cache type '{}' lost contact for key '{}'{}: {}", type, key.key(), partition(key),
                    error == null ? "unknown error" : describe(error));
        } else if (before.lostContact() && !after.lostContact() && !after.failed()) {
            double seconds = (nowNanos - before.lostContactNanos()) / (double) TimeUnit.SECONDS.toNanos(1);
            log.info("Cache type '{}' regained contact for key '{}'{} after {} s", type, key.key(), partition(key),
                    String.format(Locale.ROOT, "%.1f", seconds));
        }
    }

    private static String partition(EntryKey key) {
        return key.partition().isEmpty() ? "" : " (partition '" + key.partition() + "')";
    }

    private static String describe(@Nullable Throwable error) {
        if (error == null) {
            return "an unknown error";
        }
        return error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    }
}
