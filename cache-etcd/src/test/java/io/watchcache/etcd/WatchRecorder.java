package io.watchcache.etcd;

import io.watchcache.CacheRequest;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records what one watch delivered, and checks the rules every etcd test holds a watch to:
 * values in etcd's order with none repeated, indexes moving forward (except across a real
 * reset), and the last value equal to etcd's.
 */
final class WatchRecorder<V> implements Consumer<UpdateEvent<V>> {

    private final Function<V, String> show;
    // Guarded by this.
    private final List<String> values = new ArrayList<>();
    private final List<Long> indexes = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private V lastValue;

    WatchRecorder(Function<V, String> show) {
        this.show = show;
    }

    /**
     * Watches {@code key} through {@code keys} into a new recorder that shows an absent key as
     * {@code -1}, below every round a {@link KeyWriter} writes.
     */
    static WatchRecorder<Optional<String>> watchKey(TypedCache<CacheRequest, Optional<String>> keys, String key,
                                                    String correlationId) {
        WatchRecorder<Optional<String>> watch = new WatchRecorder<>(v -> v.orElse("-1"));
        keys.watch(EtcdRequest.of(key), correlationId, watch);
        return watch;
    }

    @Override
    public synchronized void accept(UpdateEvent<V> event) {
        if (event.error() != null) {
            errors.add(event.error());
        } else {
            values.add(show.apply(event.value()));
            lastValue = event.value();
            indexes.add(event.meta().index());
        }
    }

    synchronized List<String> values() {
        return List.copyOf(values);
    }

    synchronized List<Long> indexes() {
        return List.copyOf(indexes);
    }

    synchronized List<Throwable> errors() {
        return List.copyOf(errors);
    }

    synchronized String last() {
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** The last value delivered, null before any. */
    synchronized V lastValue() {
        return lastValue;
    }

    synchronized int size() {
        return values.size();
    }

    /**
     * Indexes strictly increase, and so do the writer's sequence numbers that {@code sequence}
     * reads from each value: nothing delivered twice, nothing out of order.
     */
    synchronized void assertOrdered(Function<String, Long> sequence) {
        assertThat(indexes).as("indexes").isSorted().doesNotHaveDuplicates();
        List<Long> sequences = values.stream().map(sequence).toList();
        assertThat(sequences).as("values in write order").isSorted().doesNotHaveDuplicates();
    }
}
