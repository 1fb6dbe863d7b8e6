package io.watchcache.etcd.config;

/** A {@code watchcache-etcd:} import that cannot work as written: a startup error naming it and why. */
public class InvalidEtcdConfigImportException extends IllegalArgumentException {

    private final String location;
    private final String reason;

    public InvalidEtcdConfigImportException(String location, String reason) {
        super("Invalid import '" + location + "': " + reason);
        this.location = location;
        this.reason = reason;
    }

    public String location() {
        return location;
    }

    public String reason() {
        return reason;
    }
}
