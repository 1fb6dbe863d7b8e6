package io.watchcache.testing;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** An observation handler that keeps every observation it sees stop, for tests to inspect. */
public final class StoppedObservations implements ObservationHandler<Observation.Context> {

    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

    @Override
    public void onStop(Observation.Context context) {
        stopped.add(context);
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return true;
    }

    /** Every stopped observation, in the order they stopped. */
    public List<Observation.Context> all() {
        return List.copyOf(stopped);
    }

    /** The first stopped observation named {@code name}, if one has stopped. */
    public Optional<Observation.Context> first(String name) {
        return stopped.stream().filter(c -> c.getName().equals(name)).findFirst();
    }
}
