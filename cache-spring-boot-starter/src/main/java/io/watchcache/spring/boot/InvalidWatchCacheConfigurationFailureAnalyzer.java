package io.watchcache.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad {@code watchcache.*} value into a startup report that names the property. */
class InvalidWatchCacheConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidWatchCacheConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidWatchCacheConfigurationException cause) {
        String description = "The watchcache property '" + cause.getProperty() + "' is set to '" + cause.getValue()
                + "', which is invalid: " + cause.getReason() + ".";
        String action = "Update '" + cause.getProperty() + "' in your application's configuration"
                + " (see the watchcache README for the allowed values).";
        return new FailureAnalysis(description, action, cause);
    }
}
