package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Logs when an entry of one type loses contact with its source and when it regains it: once per
 * transition, not once per failed fetch, so an outage of a minute with a hundred retries is two
 * lines per entry. A fatal error is its own line: the source answered, so contact is not what
 * is wrong. The entry is named by its key, never its token.
 *
 * <p>At most {@value #LINES_PER_SECOND} such lines a second per type: when a stream carrying a
 * hundred watches fails, or a member with thousands goes, one line per entry would be a flood.
 * The rest are counted, and one line says how many when the second is over; the
 * {@code watchcache.lost.contact} gauge always has the count.
 */
final class ContactLog {

    static final int LINES_PER_SECOND = 100;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Logger log = LoggerFactory.getLogger("io.watchcache.contact");

    private final String type;
    @GuardedBy("this")
    private long windowStart = Long.MIN_VALUE;
    @GuardedBy("this")
    private int lines;
    @GuardedBy("this")
    private int lostUnlogged;
    @GuardedBy("this")
    private int regainedUnlogged;
    @GuardedBy("this")
    private int refusedUnlogged;
    @GuardedBy("this")
    private boolean summaryScheduled;

    ContactLog(String type) {
        this.type = type;
    }

    void transition(CacheRuntime runtime, EntryKey key, Snapshot before, Snapshot after) {
        long now = runtime.now();
        if (!before.failed() && after.failed() && admit(runtime, now, Kind.REFUSED)) {
            // A refusal (a bad token, a missing permission): retrying would not help, so the refresh stopped.
            log.warn("Cache type '{}' stopped refreshing key '{}'{}: the source refused it ({}); the entry keeps its "
                    + "last value until a read asks again", type, key.key(), partition(key), describe(after.error()));
        }
        if (!before.lostContact() && after.lostContact()) {
            if (admit(runtime, now, Kind.LOST)) {
                Throwable error = after.error();
                log.warn("Cache type '{}' lost contact for key '{}'{}: {}", type, key.key(), partition(key),
                        error == null ? "unknown error" : describe(error));
            }
        } else if (before.lostContact() && !after.lostContact() && !after.failed()
                && admit(runtime, now, Kind.REGAINED)) {
            double seconds = (now - before.lostContactNanos()) / (double) TimeUnit.SECONDS.toNanos(1);
            log.info("Cache type '{}' regained contact for key '{}'{} after {} s", type, key.key(), partition(key),
                    String.format(Locale.ROOT, "%.1f", seconds));
        }
    }

    private enum Kind { LOST, REGAINED, REFUSED }

    /** Whether this second's budget has a line left; if not, counts it for the summary. */
    private boolean admit(CacheRuntime runtime, long now, Kind kind) {
        boolean schedule;
        synchronized (this) {
            if (windowStart == Long.MIN_VALUE || now - windowStart >= WINDOW_NANOS) {
                windowStart = now;
                lines = 0;
            }
            if (lines < LINES_PER_SECOND) {
                lines++;
                return true;
            }
            switch (kind) {
                case LOST -> lostUnlogged++;
                case REGAINED -> regainedUnlogged++;
                case REFUSED -> refusedUnlogged++;
                default -> { }
            }
            schedule = !summaryScheduled;
            summaryScheduled = true;
        }
        if (schedule) {
            try {
                runtime.schedule(WINDOW_NANOS, this::summarize);
            } catch (RejectedExecutionException e) {
                // The cache is closing: nobody is left to read the summary.
                synchronized (this) {
                    summaryScheduled = false;
                }
            }
        }
        return false;
    }

    private void summarize() {
        int lost;
        int regained;
        int refused;
        synchronized (this) {
            lost = lostUnlogged;
            regained = regainedUnlogged;
            refused = refusedUnlogged;
            lostUnlogged = 0;
            regainedUnlogged = 0;
            refusedUnlogged = 0;
            summaryScheduled = false;
        }
        String message = "Cache type '{}': {} more keys lost contact, {} regained it and {} stopped refreshing, not "
                + "logged one by one (at most {} such lines a second per type; the watchcache.lost.contact gauge "
                + "counts the keys without contact)";
        if (lost > 0 || refused > 0) {
            log.warn(message, type, lost, regained, refused, LINES_PER_SECOND);
        } else if (regained > 0) {
            log.info(message, type, lost, regained, refused, LINES_PER_SECOND);
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
