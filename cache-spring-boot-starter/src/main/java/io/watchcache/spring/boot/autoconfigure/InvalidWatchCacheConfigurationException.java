package io.watchcache.spring.boot.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;

/**
 * More than one {@code watchcache.*} property has a value the cache cannot run with (a single
 * one is Boot's {@code InvalidConfigurationPropertyValueException}). Startup fails, and
 * {@link InvalidWatchCacheConfigurationFailureAnalyzer} lists each property, its value as
 * written, where it was set and why it is wrong.
 */
public class InvalidWatchCacheConfigurationException extends RuntimeException {

    private final transient List<ConfigurationCheck.Problem> problems;

    InvalidWatchCacheConfigurationException(List<ConfigurationCheck.Problem> problems) {
        super("Invalid watchcache configuration:\n" + problems.stream().map(p -> "  - " + p.describe())
                .collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    /** The invalid properties' names, in the order they were found. */
    public List<String> properties() {
        return problems.stream().map(ConfigurationCheck.Problem::property).toList();
    }

    List<ConfigurationCheck.Problem> problems() {
        return problems;
    }
}
