package io.watchcache.spring.boot;

/**
 * A {@code watchcache.*} property has a value the cache cannot run with. Startup fails, and
 * {@link InvalidWatchCacheConfigurationFailureAnalyzer} explains which property and why.
 */
public class InvalidWatchCacheConfigurationException extends RuntimeException {

    private final String property;
    private final transient Object value;
    private final String reason;

    public InvalidWatchCacheConfigurationException(String property, Object value, String reason, Throwable cause) {
        super("Invalid watchcache configuration: '" + property + "' = " + value + ": " + reason, cause);
        this.property = property;
        this.value = value;
        this.reason = reason;
    }

    public String getProperty() {
        return property;
    }

    public Object getValue() {
        return value;
    }

    public String getReason() {
        return reason;
    }
}
