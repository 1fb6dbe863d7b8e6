package io.watchcache.etcd;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What one watch on the shared streams heard, for the stream tests. */
final class HeardWatch implements WatchStreams.Listener {
    final List<String> values = new CopyOnWriteArrayList<>();
    /** Interruptions and cancellations, in order. */
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    /** How long ago each interruption's stream failed. */
    final List<Duration> silences = new CopyOnWriteArrayList<>();
    final List<Throwable> cancelled = new CopyOnWriteArrayList<>();
    volatile boolean compacted;
    /** Confirmed since a test last reset it. */
    volatile boolean created;
    /** Confirmations in all. */
    volatile int confirmed;

    @Override
    public void confirmed(int tag) {
        created = true;
        confirmed++;
    }

    @Override
    public void changes(int tag, List<RangeContent.Change> changes) {
        for (RangeContent.Change change : changes) {
            values.add(change.item() == null ? "(deleted)" : change.item().value());
        }
    }

    @Override
    public void interrupted(int tag, Throwable error, Duration silentFor) {
        failures.add(error);
        silences.add(silentFor);
    }

    @Override
    public void cancelled(int tag, Throwable error, boolean compacted) {
        this.compacted |= compacted;
        cancelled.add(error);
        failures.add(error);
    }
}
