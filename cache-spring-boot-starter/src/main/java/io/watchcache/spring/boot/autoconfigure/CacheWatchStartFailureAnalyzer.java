package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.InvalidOptionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Names the {@code CacheWatch} bean that cannot start, why, and what to add to it. */
class CacheWatchStartFailureAnalyzer extends AbstractFailureAnalyzer<CacheWatchStartException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CacheWatchStartException cause) {
        String reason = cause.getCause() instanceof InvalidOptionException invalid
                ? "its request's " + invalid.option() + " " + invalid.reason() : String.valueOf(cause.getMessage());
        String description = "The CacheWatch bean '" + cause.beanName() + "' (type '" + cause.type()
                + "', correlation id '" + cause.correlationId() + "') cannot start: " + reason + ".";
        String action = switch (String.valueOf(cause.option())) {
            case "maxAge" -> "Give the request of bean '" + cause.beanName() + "' a maxAge, the interval the watch"
                    + " polls at (RequestInfo.builder().key(...).maxAge(Duration.ofSeconds(30)).build()), or, if"
                    + " the source of type '" + cause.type() + "' answers blocking queries, register it with"
                    + " RegisterOptions.blockingRefresh().";
            case "key" -> "Give the request of bean '" + cause.beanName() + "' a non-blank key: only cached"
                    + " entries can be watched.";
            default -> "Change the request of bean '" + cause.beanName() + "' as described above.";
        };
        return new FailureAnalysis(description, action, cause);
    }
}
