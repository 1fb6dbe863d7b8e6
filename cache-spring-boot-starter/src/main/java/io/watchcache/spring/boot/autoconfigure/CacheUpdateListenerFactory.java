package io.watchcache.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.watchcache.spring.boot.CacheUpdateEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ApplicationListenerMethodAdapter;
import org.springframework.context.event.EventListener;
import org.springframework.context.event.EventListenerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes every {@code @EventListener} of a {@link CacheUpdateEvent} independent of the others.
 * Spring's multicaster stops delivering an event at the first listener that throws; the
 * listeners this factory creates catch what their method throws, so the next listener still
 * gets the event and the watch goes on. Everything else is Spring's own
 * {@link ApplicationListenerMethodAdapter}: {@code @Order}, {@code condition}, generics,
 * return values published as events.
 *
 * <p>A failure is logged once per listener and watch (at ERROR, with the stack trace); while
 * the same listener keeps failing on the same watch, further failures are only counted in
 * {@code watchcache.listener.failures{listener}}. When it handles that watch's event again, one
 * INFO says so and the next failure is logged again. {@code @TransactionalEventListener}s are
 * left to Spring's own factory, which comes first.
 */
final class CacheUpdateListenerFactory implements EventListenerFactory, Ordered {

    private static final Logger log = LoggerFactory.getLogger(CacheUpdateListenerFactory.class);

    static final String FAILURES = "watchcache.listener.failures";

    private final ObjectProvider<MeterRegistry> meters;

    /** Listener and watch pairs whose last event failed: logged once, not again until they recover. */
    private final Map<Failing, Boolean> failing = new ConcurrentHashMap<>();

    private record Failing(String listener, String correlationId) {
    }

    CacheUpdateListenerFactory(ObjectProvider<MeterRegistry> meters) {
        this.meters = meters;
    }

    /** After Spring's transactional listener factory (order 50), before its default one. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 100;
    }

    @Override
    public boolean supportsMethod(Method method) {
        EventListener annotation = AnnotatedElementUtils.findMergedAnnotation(method, EventListener.class);
        Class<?>[] declared = annotation != null && annotation.classes().length > 0 ? annotation.classes()
                : method.getParameterTypes();
        return Arrays.stream(declared).anyMatch(CacheUpdateEvent.class::isAssignableFrom);
    }

    @Override
    public ApplicationListener<?> createApplicationListener(String beanName, Class<?> type, Method method) {
        return new IsolatedListener(beanName, type, method);
    }

    private final class IsolatedListener extends ApplicationListenerMethodAdapter {

        private final String name;

        IsolatedListener(String beanName, Class<?> type, Method method) {
            super(beanName, type, method);
            this.name = type.getSimpleName() + "." + method.getName();
        }

        @Override
        public void onApplicationEvent(ApplicationEvent event) {
            if (!(event instanceof CacheUpdateEvent<?> update)) {
                super.onApplicationEvent(event);
                return;
            }
            try {
                super.onApplicationEvent(event);
            } catch (RuntimeException e) {
                failed(update, e);
                return;
            }
            if (!failing.isEmpty() && failing.remove(new Failing(name, update.correlationId())) != null) {
                log.info("Listener {} handles the events of watch '{}' again", name, update.correlationId());
            }
        }

        private void failed(CacheUpdateEvent<?> update, RuntimeException e) {
            MeterRegistry registry = meters.getIfAvailable();
            if (registry != null) {
                registry.counter(FAILURES, "listener", name).increment();
            }
            if (failing.putIfAbsent(new Failing(name, update.correlationId()), Boolean.TRUE) == null) {
                log.error("Listener {} failed on an event of watch '{}'; the other listeners got it and the watch"
                        + " goes on. Further failures of this listener on this watch are counted in {}, not"
                        + " logged, until it handles one of its events again", name, update.correlationId(),
                        FAILURES, unwrap(e));
            } else {
                log.debug("Listener {} failed again on an event of watch '{}'", name, update.correlationId(), e);
            }
        }

        private Throwable unwrap(RuntimeException e) {
            @Nullable Throwable cause = e.getCause();
            return e instanceof UndeclaredThrowableException && cause != null ? cause : e;
        }
    }
}
