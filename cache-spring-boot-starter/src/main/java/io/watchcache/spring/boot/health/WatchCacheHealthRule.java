package io.watchcache.spring.boot.health;

import io.watchcache.CacheSnapshot;
import io.watchcache.spring.boot.actuate.endpoint.WatchCacheEndpoint;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The one rule by which health judges a cache entry, shared by every health component that
 * reports entries (the {@code watchcache} component, and the {@code etcdConfig} component of
 * configuration imports): an entry is at fault when a fatal error stopped it (failed), or when
 * its background query has failed for at least {@code watchcache.health.lost-contact-threshold}
 * (lost contact); while any is, the component reports {@code watchcache.health.lost-contact-status}.
 * Keys, partitions and errors are shown only with
 * {@code management.endpoint.watchcache.show-values=always}: a health component cannot tell who
 * asks, so it masks them otherwise.
 *
 * <p>The starter builds it from the {@code watchcache.health.*} properties (a bean of this
 * type); a component of another module takes that bean rather than reading the properties
 * again.
 */
public final class WatchCacheHealthRule {

    private final Duration threshold;
    private final Status faultStatus;
    private final boolean showValues;

    /**
     * @param threshold         how long an entry may have lost contact before it is at fault
     * @param lostContactStatus the status code while any entry is at fault (as Boot writes codes: {@code DOWN})
     * @param showValues        whether keys, partitions and errors are shown unmasked
     */
    public WatchCacheHealthRule(Duration threshold, String lostContactStatus, boolean showValues) {
        this.threshold = Objects.requireNonNull(threshold, "threshold");
        this.faultStatus = new Status(lostContactStatus);
        this.showValues = showValues;
    }

    /** Whether {@code entry} has lost contact for at least the threshold. */
    public boolean lostContact(CacheSnapshot.EntryView entry) {
        Duration lost = entry.lostContact();
        return lost != null && lost.compareTo(threshold) >= 0;
    }

    /** Whether {@code entry} counts against health: failed, or out of contact past the threshold. */
    public boolean atFault(CacheSnapshot.EntryView entry) {
        return entry.failed() || lostContact(entry);
    }

    /** The status while any entry is at fault. */
    public Status faultStatus() {
        return faultStatus;
    }

    public Duration threshold() {
        return threshold;
    }

    /** One entry as health details show it, masked by the rule. */
    public Map<String, Object> describe(CacheSnapshot.EntryView entry) {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("id", entry.id());
        shown.put("type", entry.type());
        shown.put("key", shown(entry.key()));
        shown.put("partition", shown(entry.partition()));
        if (entry.lostContact() != null) {
            shown.put("lostContact", entry.lostContact().toString());
        }
        if (entry.failed()) {
            shown.put("failed", true);
        }
        shown.put("lastError", shown(entry.lastError()));
        return shown;
    }

    /** A status as Boot writes its codes: upper case, {@code -} read as {@code _} ({@code out-of-service}). */
    public static String statusCode(String code) {
        StringBuilder uniform = new StringBuilder();
        for (char c : code.trim().toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '_') {
                uniform.append(Character.toUpperCase(c));
            } else if (c == '-') {
                uniform.append('_');
            }
        }
        return uniform.toString().toUpperCase(Locale.ROOT);
    }

    /** Whether keys, partitions and errors are shown unmasked. */
    public boolean showsValues() {
        return showValues;
    }

    /** {@code value}, or the mask unless values are shown; null stays null. */
    public @Nullable String shown(@Nullable String value) {
        return WatchCacheEndpoint.shown(value, showValues);
    }
}
