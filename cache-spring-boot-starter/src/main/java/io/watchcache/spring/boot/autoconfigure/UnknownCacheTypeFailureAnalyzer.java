package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.UnknownTypeException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A watch, live value or read named a cache type no {@code CacheType} bean provides: names the
 * registered types, so a typo shows next to what was meant.
 */
class UnknownCacheTypeFailureAnalyzer extends AbstractFailureAnalyzer<UnknownTypeException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownTypeException cause) {
        String description = "No cache type is registered under the name '" + cause.name() + "'. Registered types"
                + " (the names of the CacheType beans): " + cause.registered() + ".";
        String action = "Declare a CacheType bean named '" + cause.name() + "', or use one of the registered names;"
                + " better, inject the TypedCache<R, V> of the type and declare the watch with"
                + " CacheWatch.of(typedCache, request, correlationId), which needs no name.";
        return new FailureAnalysis(description, action, cause);
    }
}
