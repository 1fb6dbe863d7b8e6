package io.watchcache.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.analyzer.AbstractInjectionFailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An injection point of {@code TypedCache<R, V>} (or {@code CacheType<R, V>}) whose generics no
 * registered type has. Spring's own analysis says "required a bean of type
 * 'io.watchcache.TypedCache' that could not be found", without the generics that made it miss;
 * this one names the injection point, every registered type with its generics, and the closest
 * match (the same value type first), so a wrong guess of {@code R} or {@code V} shows next to
 * what was meant.
 */
class MissingTypedCacheFailureAnalyzer extends AbstractInjectionFailureAnalyzer<NoSuchBeanDefinitionException>
        implements Ordered {

    private final @Nullable ConfigurableListableBeanFactory beanFactory;

    MissingTypedCacheFailureAnalyzer(BeanFactory beanFactory) {
        this.beanFactory = beanFactory instanceof ConfigurableListableBeanFactory listable ? listable : null;
    }

    /** Before Boot's generic analysis of the same exception. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause,
                                                @Nullable String description) {
        ResolvableType wanted = cause.getResolvableType();
        Class<?> raw = CacheTypeBeans.cacheHandle(wanted, cause.getBeanType());
        if (beanFactory == null || wanted == null || raw == null) {
            return null;
        }
        String shown = raw.getSimpleName() + generics(wanted.as(raw));
        List<Registered> registered = new ArrayList<>();
        for (String name : CacheTypeRegistrar.cacheTypeBeanNames(beanFactory)) {
            registered.add(new Registered(name, CacheTypeBeans.cacheType(beanFactory, name)));
        }
        String where = description != null ? description : "An injection point";
        if (registered.isEmpty()) {
            return new FailureAnalysis(where + " required a " + shown + ", but no CacheType bean is declared.",
                    "Declare the source as a CacheType<R, V> bean (or an AsyncCacheType); the starter registers it"
                            + " under its bean name and declares its TypedCache<R, V>.", cause);
        }
        Registered closest = registered.stream()
                .max(Comparator.comparingInt((Registered r) -> r.closeness(wanted.as(raw)))).orElseThrow();
        String all = registered.stream().map(r -> "'" + r.name + "': " + raw.getSimpleName() + generics(r.type))
                .collect(Collectors.joining(", "));
        String text = where + " required a " + shown + ", but no registered cache type has these generics."
                + " Registered types: " + all + ".";
        String action = "Inject " + raw.getSimpleName() + generics(closest.type) + ", the generics of the CacheType"
                + " bean '" + closest.name + "' (the closest match), or qualify the injection point with"
                + " @Qualifier(\"" + closest.name + "\") with those generics.";
        return new FailureAnalysis(text, action, cause);
    }

    /** {@code <R, V>} as declared, {@code ?} where it is not known. */
    private static String generics(ResolvableType type) {
        if (type == ResolvableType.NONE || !type.hasGenerics()) {
            return "<?, ?>";
        }
        return "<" + shortName(type.getGeneric(0)) + ", " + shortName(type.getGeneric(1)) + ">";
    }

    private static String shortName(ResolvableType type) {
        Class<?> resolved = type.resolve();
        if (resolved == null) {
            return "?";
        }
        if (!type.hasGenerics()) {
            return resolved.getSimpleName();
        }
        List<String> arguments = new ArrayList<>();
        for (ResolvableType generic : type.getGenerics()) {
            arguments.add(shortName(generic));
        }
        return resolved.getSimpleName() + "<" + String.join(", ", arguments) + ">";
    }

    private record Registered(String name, ResolvableType type) {

        /** The same value type counts most (a wrong request type is the usual guess), then the request type. */
        int closeness(ResolvableType wanted) {
            if (type == ResolvableType.NONE || !type.hasGenerics() || !wanted.hasGenerics()) {
                return 0;
            }
            int score = 0;
            if (type.getGeneric(1).toString().equals(wanted.getGeneric(1).toString())) {
                score += 4;
            } else if (type.getGeneric(1).resolve() != null
                    && type.getGeneric(1).resolve() == wanted.getGeneric(1).resolve()) {
                score += 2;
            }
            Class<?> request = type.getGeneric(0).resolve();
            if (request != null && request == wanted.getGeneric(0).resolve()) {
                score += 1;
            }
            return score;
        }
    }
}
