package io.watchcache.etcd.config;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.core.env.EnumerablePropertySource;

import java.util.Map;

/**
 * The properties of one {@code watchcache-etcd:} import. Its content is replaced as a whole when
 * the prefix changes: a reader sees the old set or the new one, never a mix.
 */
public final class EtcdConfigPropertySource extends EnumerablePropertySource<String> implements OriginLookup<String> {

    /** Where a property came from: the prefix and the revision of the content. */
    record EtcdOrigin(String prefix, String property, long revision) implements Origin {
        @Override
        public String toString() {
            return "etcd prefix '" + prefix + "' at revision " + revision;
        }
    }

    /** One immutable content; {@code names} is never handed out (copies are). */
    private static final class Content {
        private final Map<String, Object> properties;
        private final String[] names;
        private final long revision;

        Content(Map<String, Object> properties, String[] names, long revision) {
            this.properties = properties;
            this.names = names;
            this.revision = revision;
        }

        Map<String, Object> properties() {
            return properties;
        }

        String[] names() {
            return names;
        }

        long revision() {
            return revision;
        }
    }

    private volatile Content content = new Content(Map.of(), new String[0], 0);

    EtcdConfigPropertySource(String name, String prefix) {
        super(name, prefix);
    }

    @Override
    public @Nullable Object getProperty(String name) {
        return content.properties().get(name);
    }

    @Override
    public String[] getPropertyNames() {
        return content.names().clone();
    }

    @Override
    public boolean containsProperty(String name) {
        return content.properties().containsKey(name);
    }

    @Override
    public @Nullable Origin getOrigin(String name) {
        Content now = content;
        return now.properties().containsKey(name) ? new EtcdOrigin(getSource(), name, now.revision()) : null;
    }

    /** The etcd revision of the content, 0 before the first read. */
    public long revision() {
        return content.revision();
    }

    /** The current properties (unmodifiable). */
    public Map<String, Object> properties() {
        return content.properties();
    }

    void replace(Map<String, Object> properties, long revision) {
        Map<String, Object> copy = Map.copyOf(properties);
        content = new Content(copy, copy.keySet().toArray(String[]::new), revision);
    }
}
