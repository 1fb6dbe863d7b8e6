package io.watchcache.sample;

import io.watchcache.spring.boot.CacheUpdateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** Listens to the watches: logs every change and keeps the last few for {@code GET /events}. */
@Component
public class ChangeLog {

    private static final Logger log = LoggerFactory.getLogger(ChangeLog.class);
    private static final int KEPT = 50;

    public record Change(String correlationId, String value, long index, String error) {
    }

    // Guarded by itself.
    private final Deque<Change> recent = new ArrayDeque<>();

    @EventListener
    void onValue(CacheUpdateEvent<Optional<String>> event) {
        Change change = new Change(event.correlationId(), event.value() == null ? null : event.value()
                .orElse("<absent>"),
                event.meta().index(), event.error() == null ? null : event.error().toString());
        if (change.error() != null) {
            log.warn("watch '{}': fetching failed ({}); last value '{}'", change.correlationId(), change.error(),
                    change.value());
        } else {
            log.info("watch '{}': now '{}' @ index {}", change.correlationId(), change.value(), change.index());
        }
        synchronized (recent) {
            recent.addLast(change);
            if (recent.size() > KEPT) {
                recent.removeFirst();
            }
        }
    }

    @EventListener(condition = "event.correlationId == 'new-ui'")
    void onNewUiFlag(CacheUpdateEvent<Optional<String>> event) {
        if (event.error() == null && event.value() != null) {
            log.info("the new UI is now {}", event.value().map("on"::equals).orElse(false) ? "ON" : "OFF");
        }
    }

    public List<Change> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
