package io.watchcache.etcd.config;

import io.watchcache.RequestInfo;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEvent;

import java.util.Map;
import java.util.SortedMap;

/**
 * The properties of a {@code watchcache-etcd:} import changed (the {@code Environment} already
 * shows the new values), or a change could not be used: then {@link #errors()} says which keys
 * did not parse, and the last good properties stay.
 *
 * <p>Values of properties whose names look secret ({@code password}, {@code secret},
 * {@code token}, {@code key}, {@code credential}) read {@value #MASK}.
 */
public class EtcdConfigChangedEvent extends ApplicationEvent {

    public static final String MASK = RequestInfo.MASK;

    /** One property's change; {@code null} for absent (added or removed). */
    public record Change(@Nullable String oldValue, @Nullable String newValue) {
    }

    private final String prefix;
    private final long revision;
    private final transient SortedMap<String, Change> changes;
    private final transient SortedMap<String, String> errors;

    public EtcdConfigChangedEvent(Object source, String prefix, long revision, SortedMap<String, Change> changes,
                                  SortedMap<String, String> errors) {
        super(source);
        this.prefix = prefix;
        this.revision = revision;
        this.changes = changes;
        this.errors = errors;
    }

    /** The imported prefix, e.g. {@code config/myapp/}. */
    public String prefix() {
        return prefix;
    }

    /** The etcd revision the properties are now at (with errors: the revision that could not be used). */
    public long revision() {
        return revision;
    }

    /** Changed property names with old and new values (masked where they look secret). */
    public Map<String, Change> changes() {
        return changes;
    }

    /** Keys that did not parse, with why; empty when the change was applied. */
    public Map<String, String> errors() {
        return errors;
    }

    public boolean isApplied() {
        return errors.isEmpty();
    }

    @Override
    public String toString() {
        return "EtcdConfigChangedEvent[prefix=" + prefix + ", revision=" + revision + ", changed=" + changes.keySet()
                + (errors.isEmpty() ? "" : ", errors=" + errors) + "]";
    }
}
