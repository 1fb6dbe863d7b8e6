package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.InvalidOptionException;
import io.watchcache.spring.boot.CacheWatch;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CacheWatch} bean the cache refused to start: startup fails naming the bean, its type
 * and what to change ({@link CacheWatchStartFailureAnalyzer}).
 */
public class CacheWatchStartException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String beanName;
    private final String type;
    private final String correlationId;

    CacheWatchStartException(String beanName, CacheWatch watch, IllegalArgumentException cause) {
        super("CacheWatch bean '" + beanName + "' (type '" + watch.type() + "', correlation id '"
                + watch.correlationId() + "') cannot start: " + cause.getMessage(), cause);
        this.beanName = beanName;
        this.type = watch.type();
        this.correlationId = watch.correlationId();
    }

    public String beanName() {
        return beanName;
    }

    public String type() {
        return type;
    }

    public String correlationId() {
        return correlationId;
    }

    /** The refused request option ({@code maxAge}, {@code key}), or null when the cache refused something else. */
    @Nullable String option() {
        return getCause() instanceof InvalidOptionException invalid ? invalid.option() : null;
    }
}
