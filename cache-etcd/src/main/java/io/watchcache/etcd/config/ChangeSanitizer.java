package io.watchcache.etcd.config;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.core.env.PropertySource;

import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link EtcdConfigChangedEvent} may show of a value, decided as Spring Boot's actuator
 * decides it for {@code /actuator/env}: the application's {@link SanitizingFunction} beans
 * first, then Boot's own rule for names that look like credentials or URIs with passwords
 * ({@code ifLikelySensitive}). A sanitized value reads {@code ******}.
 */
final class ChangeSanitizer {

    private static final SanitizingFunction LIKELY_SENSITIVE = SanitizingFunction.sanitizeValue().ifLikelySensitive();

    private final List<SanitizingFunction> functions;

    ChangeSanitizer(List<SanitizingFunction> applicationFunctions) {
        List<SanitizingFunction> all = new ArrayList<>(applicationFunctions);
        all.add(LIKELY_SENSITIVE);
        this.functions = List.copyOf(all);
    }

    /** {@code value} of {@code name} in {@code source} as an event may show it; null stays null. */
    @Nullable String shown(PropertySource<?> source, String name, @Nullable Object value) {
        if (value == null) {
            return null;
        }
        SanitizableData data = new SanitizableData(source, name, value);
        for (SanitizingFunction function : functions) {
            SanitizableData sanitized = function.applyUnlessFiltered(data);
            if (!value.equals(sanitized.getValue())) {
                return String.valueOf(sanitized.getValue());
            }
        }
        return value.toString();
    }
}
