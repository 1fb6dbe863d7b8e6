package io.watchcache.etcd.config;

import io.watchcache.etcd.autoconfigure.EtcdClients;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@code watchcache-etcd:} import that cannot work as written: a startup error naming what to
 * fix. That is the import itself ({@link #reason()}), a {@code watchcache.etcd.*} property it
 * connects with ({@link #properties()}, each with its value as written and where), or keys in
 * etcd that do not parse ({@link #keys()}, each with line and column where the parser says).
 */
public class InvalidEtcdConfigImportException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String location;
    private final String reason;
    private final transient List<EtcdClients.Invalid> properties;
    private final SortedMap<String, String> keys;

    public InvalidEtcdConfigImportException(String location, String reason) {
        this(location, reason, List.of(), new TreeMap<>());
    }

    private InvalidEtcdConfigImportException(String location, String reason, List<EtcdClients.Invalid> properties,
                                             SortedMap<String, String> keys) {
        super("Invalid import '" + location + "': " + reason);
        this.location = location;
        this.reason = reason;
        this.properties = List.copyOf(properties);
        this.keys = new TreeMap<>(keys);
    }

    /** {@code watchcache.etcd.*} properties the import's client cannot run with. */
    static InvalidEtcdConfigImportException properties(String location, List<EtcdClients.Invalid> invalid) {
        return new InvalidEtcdConfigImportException(location, "invalid watchcache.etcd properties: "
                + invalid.stream().map(EtcdClients.Invalid::describe).toList(), invalid, new TreeMap<>());
    }

    /** Keys under the imported prefix that do not parse (full etcd key to where and why). */
    static InvalidEtcdConfigImportException keys(String location, SortedMap<String, String> keys) {
        return new InvalidEtcdConfigImportException(location, "keys in etcd that do not parse: " + keys, List.of(),
                keys);
    }

    public String location() {
        return location;
    }

    public String reason() {
        return reason;
    }

    /** The invalid {@code watchcache.etcd.*} properties, if that is what is wrong. */
    public List<EtcdClients.Invalid> properties() {
        return properties;
    }

    /** The etcd keys that do not parse, to where and why, if that is what is wrong. */
    public SortedMap<String, String> keys() {
        return keys;
    }
}
