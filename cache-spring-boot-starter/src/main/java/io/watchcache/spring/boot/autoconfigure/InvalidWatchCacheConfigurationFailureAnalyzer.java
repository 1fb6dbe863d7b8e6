package io.watchcache.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import java.util.stream.Collectors;

/** Lists every invalid {@code watchcache.*} property at once, each with its value as written and its origin. */
class InvalidWatchCacheConfigurationFailureAnalyzer
        extends AbstractFailureAnalyzer<InvalidWatchCacheConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidWatchCacheConfigurationException cause) {
        String description = cause.problems().size() + " watchcache properties are invalid:\n\n"
                + cause.problems().stream().map(p -> "\t- " + p.describe()).collect(Collectors.joining("\n"));
        String action = "Update these properties in your application's configuration"
                + " (the watchcache README lists every property and its allowed values).";
        return new FailureAnalysis(description, action, cause);
    }
}
