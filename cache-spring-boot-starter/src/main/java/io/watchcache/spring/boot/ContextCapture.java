package io.watchcache.spring.boot;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;

import java.util.function.Consumer;

/**
 * The thread-local context (trace, MDC, whatever accessors are registered) of the thread that
 * starts a watch, restored around each delivery. Loaded only when context-propagation is on the
 * classpath.
 */
final class ContextCapture {

    private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

    private ContextCapture() {
    }

    static <T> Consumer<T> capture(Consumer<T> listener) {
        ContextSnapshot snapshot = SNAPSHOTS.captureAll();
        return value -> {
            try (ContextSnapshot.Scope ignored = snapshot.setThreadLocals()) {
                listener.accept(value);
            }
        };
    }
}
