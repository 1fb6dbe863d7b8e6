package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.spring.boot.health.WatchCacheHealthRule;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Checks the {@code watchcache.*} configuration as a whole, so one startup names every mistake:
 * values the cache refuses, keys under {@code watchcache.types.<name>} that mean nothing, type
 * names with no {@code CacheType} bean, and a health status nobody declared. Each problem is
 * reported with the value as the user wrote it (not as Boot converted it) and where it was
 * written when Boot knows.
 */
final class ConfigurationCheck {

    private static final Logger log = LoggerFactory.getLogger(ConfigurationCheck.class);

    /** The keys a {@code watchcache.types.<name>} entry may have, in the order the docs list them. */
    static final List<String> TYPE_KEYS = List.of("refresh", "refresh-timer", "query-timeout", "last-get-ttl",
            "consistent-reads");

    static final List<String> BUILT_IN_STATUSES = List.of("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN");

    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("watchcache");

    private static final ConfigurationPropertyName TYPES = ConfigurationPropertyName.of("watchcache.types");

    /** One invalid property: its name, its value as written, where it came from, and why it is wrong. */
    record Problem(String property, @Nullable Object value, @Nullable Origin origin, String reason) {

        /** One line of a startup report. */
        String describe() {
            return "'" + property + "'" + (value == null ? "" : " = '" + value + "'")
                    + (origin == null ? "" : " (from " + origin + ")") + ": " + reason;
        }
    }

    private final @Nullable Environment environment;
    private final List<Problem> problems = new ArrayList<>();

    ConfigurationCheck(@Nullable Environment environment) {
        this.environment = environment;
    }

    /** Records that {@code property} is invalid; its value and origin come from the environment. */
    void invalid(String property, @Nullable Object converted, String reason) {
        ConfigurationProperty written = find(property);
        Object value = written != null ? written.getValue() : converted;
        problems.add(new Problem(property, value, written == null ? null : written.getOrigin(), reason));
    }

    /**
     * Checks the keys under {@code watchcache.types}: each names a {@code CacheType} bean and
     * only the keys an override has.
     */
    void typeKeys(Set<String> configuredTypes, Collection<String> cacheTypeBeans) {
        Set<String> beans = new TreeSet<>(cacheTypeBeans);
        Set<ConfigurationPropertyName> names = propertyNames(TYPES, source -> true);
        for (String type : configuredTypes) {
            if (!beans.contains(type)) {
                // Reported at a key that was written (so with its value and origin), not at the
                // map key itself, which has neither.
                String property = "watchcache.types." + type;
                String written = !ConfigurationPropertyName.isValid(property) ? property : names.stream()
                        .filter(ConfigurationPropertyName.of(property)::isAncestorOf).findFirst()
                        .map(ConfigurationPropertyName::toString).orElse(property);
                invalid(written, null, "there is no CacheType bean named '" + type + "'; CacheType beans: " + beans);
            }
        }
        for (ConfigurationPropertyName name : names) {
            if (!TYPES.isAncestorOf(name) || name.getNumberOfElements() < 4) {
                if (TYPES.isAncestorOf(name) && name.getNumberOfElements() == 3) {
                    invalid(name.toString(), null, "a type's overrides are keys under it; valid keys: "
                            + String.join(", ", TYPE_KEYS));
                }
                continue;
            }
            // Compared as Boot binds them: query-timeout, queryTimeout and QUERYTIMEOUT (an
            // environment variable) are all the same key.
            String key = name.getElement(3, ConfigurationPropertyName.Form.UNIFORM);
            if (name.getNumberOfElements() > 4 || TYPE_KEYS.stream().noneMatch(k -> k.replace("-", "").equals(key))) {
                invalid(name.toString(), null, "unknown key; valid keys: " + String.join(", ", TYPE_KEYS));
            }
        }
    }

    /**
     * Checks that every key under {@code watchcache.} (but {@code watchcache.types}, which
     * {@link #typeKeys} checks) binds to a property some module declares, and suggests the
     * nearest one for a typo: {@code max-entires} is reported, not silently ignored.
     */
    void unknownKeys(KnownProperties known) {
        if (known.isEmpty()) {
            // No module's configuration metadata is on the class path (a repackaged jar that
            // dropped it): every key would look unknown, so nothing can be told apart.
            log.warn("No watchcache configuration metadata ({}) on the class path: keys under watchcache.* that"
                    + " bind to nothing cannot be reported", KnownProperties.METADATA);
            return;
        }
        // As Boot's ignoreUnknownFields=false: environment variables and system properties are
        // shared with every other program and library, so a name there may be someone else's.
        UnboundElementsSourceFilter checked = new UnboundElementsSourceFilter();
        for (ConfigurationPropertyName name : propertyNames(ROOT, checked::apply)) {
            if (TYPES.equals(name) || TYPES.isAncestorOf(name) || known.accepts(name)) {
                continue;
            }
            String nearest = known.nearest(name);
            if (nearest != null) {
                invalid(name.toString(), null, "unknown key; did you mean '" + nearest + "'?");
                continue;
            }
            List<String> siblings = known.children(name.getParent());
            invalid(name.toString(), null, "unknown key" + (siblings.isEmpty() ? "; no watchcache property"
                    + " is named like it (the README lists them all)" : "; valid keys under " + name.getParent()
                    + ": " + String.join(", ", siblings)));
        }
    }

    /**
     * Checks a health status: one of Boot's, or one the application declared in
     * {@code management.endpoint.health.status.order}. Returns the status's code.
     */
    String status(String property, String status) {
        Set<String> known = new LinkedHashSet<>(BUILT_IN_STATUSES);
        if (environment != null) {
            Binder.get(environment).bind("management.endpoint.health.status.order", Bindable.listOf(String.class))
                    .ifBound(order -> order.forEach(code -> known.add(WatchCacheHealthRule.statusCode(code))));
        }
        String code = WatchCacheHealthRule.statusCode(status);
        if (!known.contains(code)) {
            invalid(property, status, "not a health status; known statuses: " + String.join(", ", known)
                    + " (declare others in management.endpoint.health.status.order)");
        }
        return code;
    }

    /** Throws when anything was found: Boot's own exception for one problem, ours listing all of them for more. */
    void throwIfInvalid() {
        if (problems.size() == 1) {
            Problem problem = problems.get(0);
            throw new InvalidConfigurationPropertyValueException(problem.property(), problem.value(), problem.reason());
        }
        if (!problems.isEmpty()) {
            throw new InvalidWatchCacheConfigurationException(problems);
        }
    }

    private @Nullable ConfigurationProperty find(String property) {
        if (environment == null) {
            return null;
        }
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The names set under {@code root} in every source {@code included} that can list its names. */
    private Set<ConfigurationPropertyName> propertyNames(ConfigurationPropertyName root,
                                                         Predicate<ConfigurationPropertySource> included) {
        Set<ConfigurationPropertyName> names = new LinkedHashSet<>();
        if (environment != null) {
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
                if (source instanceof IterableConfigurationPropertySource iterable && included.test(source)) {
                    iterable.filter(root::isAncestorOf).forEach(names::add);
                }
            }
        }
        return names;
    }
}
