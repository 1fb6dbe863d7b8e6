package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.TypedCache;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.analyzer.AbstractInjectionFailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Two {@code CacheType} beans with the same generics make an injected {@code TypedCache<R, V>}
 * (or {@code CacheType<R, V>}) ambiguous. Spring's own analysis says "a single bean, but 2 were
 * found"; this one names the types and the fix: each type's bean name is its qualifier.
 */
class AmbiguousCacheTypeFailureAnalyzer extends AbstractInjectionFailureAnalyzer<NoUniqueBeanDefinitionException>
        implements Ordered {

    /** Before Boot's generic analysis of the same exception. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoUniqueBeanDefinitionException cause,
                                                @Nullable String injectionPoint) {
        ResolvableType wanted = cause.getResolvableType();
        Class<?> raw = CacheTypeBeans.cacheHandle(wanted, cause.getBeanType());
        if (raw == null || cause.getBeanNamesFound() == null) {
            return null;
        }
        boolean typed = TypedCache.class.equals(raw);
        List<String> types = cause.getBeanNamesFound().stream()
                .map(name -> typed && name.endsWith(TypedCacheRegistrar.SUFFIX)
                        ? name.substring(0, name.length() - TypedCacheRegistrar.SUFFIX.length()) : name)
                .sorted().toList();
        String shown = wanted != null ? wanted.toString() : raw.getName();
        String where = injectionPoint != null ? injectionPoint + " (" + shown + ")" : "An injection point of " + shown;
        String description = where + " matches " + types.size() + " cache types with"
                + " the same generics: " + types.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))
                + ".";
        String action = "Say which one: annotate the injection point with "
                + types.stream().map(t -> "@Qualifier(\"" + t + "\")").collect(Collectors.joining(" or "))
                + " (a cache type's bean name is its qualifier), or mark one of the CacheType beans @Primary.";
        return new FailureAnalysis(description, action, cause);
    }
}
