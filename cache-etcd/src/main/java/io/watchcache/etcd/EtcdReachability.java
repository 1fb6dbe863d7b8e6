package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ManagedChannel;
import io.watchcache.SourceSignals;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;

/**
 * Whether a type's etcd connection reaches etcd, so that recovery follows connectivity: when any
 * read of the type succeeds after a failure, or a probe does, every cache the type is registered
 * in retries its backing-off entries at once ({@link SourceSignals#reachable()}) instead of
 * letting each sleep out a backoff of up to a minute, and the type's interrupted watches are
 * re-created at once.
 *
 * <p>While the connection cannot reach etcd, one probe per type runs every {@link #PROBE_EVERY}: it
 * first tells gRPC to reconnect now ({@link ManagedChannel#resetConnectBackoff()}: after a long
 * outage gRPC's own reconnect backoff grows towards two minutes, so a restarted cluster would
 * otherwise wait for gRPC's next attempt), then reads one key it knows it may read, counting
 * only. The probe stops at the first answer, and when no cache is left to tell.
 */
final class EtcdReachability {

    static final Duration PROBE_EVERY = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(EtcdReachability.class);

    /** The calls of the type's connection; the probe resets their channel's backoff and reads with them. */
    private final EtcdCalls calls;
    private final Duration requestTimeout;
    private final EtcdTime time;
    private final List<SourceSignals> signals = new CopyOnWriteArrayList<>();
    private final Runnable reachableAgain;

    @GuardedBy("this")
    private boolean unreachable;
    @GuardedBy("this")
    private @Nullable String probeKey;
    @GuardedBy("this")
    private @Nullable Future<?> probe;
    @GuardedBy("this")
    private boolean probing;

    /** {@code reachableAgain} runs (without a lock, and must not block) when etcd answers after a failure. */
    EtcdReachability(EtcdCalls calls, Duration requestTimeout, EtcdTime time, Runnable reachableAgain) {
        this.time = time;
        this.calls = calls;
        this.requestTimeout = requestTimeout;
        this.reachableAgain = reachableAgain;
    }

    void add(SourceSignals registration) {
        signals.add(registration);
    }

    /** A read or stream of {@code key} failed to reach etcd: probe until it answers again. */
    void failed(String key) {
        synchronized (this) {
            unreachable = true;
            probeKey = key;
            if (probe != null || signals.isEmpty()) {
                return;
            }
            probe = time.every(this::probe, PROBE_EVERY);
        }
    }

    /** etcd answered a read: if it had been out of reach, the caches retry their waiting entries now. */
    void answered() {
        synchronized (this) {
            if (!unreachable) {
                return;
            }
            unreachable = false;
            stopProbeLocked();
        }
        log.debug("etcd answers again; retrying the entries that wait out a backoff");
        reachableAgain.run();
        // Signals run the cache's sweep on its executor: cheap, never blocking, no lock held here.
        signals.removeIf(s -> !s.reachable());
    }

    private void probe() {
        @Nullable String key;
        synchronized (this) {
            if (!unreachable || probing) {
                return;
            }
            // Caches closed while etcd was away: nobody is left to tell for them.
            signals.removeIf(s -> !s.isOpen());
            if (signals.isEmpty()) {
                stopProbeLocked();
                return;
            }
            key = probeKey;
            if (key == null) {
                return;
            }
            probing = true;
        }
        try {
            calls.channel().resetConnectBackoff();
            // A count is heard on the channel's I/O thread (EtcdCalls); what an answer starts
            // (every waiting stream retried) runs on the timer instead.
            calls.count(EtcdCalls.bytes(key), requestTimeout).whenComplete((response, error) ->
                    time.execute(() -> probed(error == null)));
        } catch (RuntimeException e) {
            // A closed connection: the caches that use it are closing too; stop asking.
            probed(false);
            synchronized (this) {
                stopProbeLocked();
            }
        }
    }

    private void probed(boolean ok) {
        synchronized (this) {
            probing = false;
        }
        if (ok) {
            answered();
        }
    }

    @GuardedBy("this")
    private void stopProbeLocked() {
        if (probe != null) {
            probe.cancel(false);
            probe = null;
        }
    }
}
