package io.watchcache.etcd;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of one etcd type's stream layer, registered with the cache's registry when the type
 * is registered ({@link io.watchcache.SourceSignals#meterRegistry()}), each tagged {@code type}
 * with the registered name. They read the streams and reads when scraped. The streams are the
 * connection's, shared by every etcd type on it, so the stream meters of two types on one connection show
 * the same streams (do not add them up); the read meters are the type's own. Gauges hold their
 * source weakly, as Micrometer's do, so a closed type is not kept alive.
 */
final class EtcdMeters {

    private EtcdMeters() {
    }

    static void bind(MeterRegistry registry, String type, WatchStreams streams, HedgedReads reads) {
        Gauge.builder("watchcache.etcd.streams", streams, WatchStreams::streamCount).tag("type", type)
                .description("Open gRPC watch streams of the type's connection (shared by its etcd types)")
                .register(registry);
        Gauge.builder("watchcache.etcd.watches", streams, WatchStreams::watchCount).tag("type", type)
                .description("etcd watches on the connection's open streams, being created included")
                .register(registry);
        Gauge.builder("watchcache.etcd.watches.recreating", streams, WatchStreams::recreatingCount)
                .tag("type", type)
                .description("Watches whose stream failed, not yet confirmed again on another stream")
                .register(registry);
        Gauge.builder("watchcache.etcd.reads.queued", reads, HedgedReads::queued).tag("type", type)
                .description("Reads waiting for their turn (at most " + HedgedReads.MAX_READS + " are in flight)")
                .register(registry);
        FunctionCounter.builder("watchcache.etcd.reads.hedged", reads, HedgedReads::hedges).tag("type", type)
                .description("Extra read attempts sent because a read had no answer within the hedge delay")
                .register(registry);
        for (WatchStreams.Reason reason : WatchStreams.Reason.values()) {
            FunctionCounter.builder("watchcache.etcd.stream.failovers", streams, s -> s.failovers(reason))
                    .tag("type", type).tag("reason", reason.tag())
                    .description("Failed watch streams whose watches were all confirmed again within the failover "
                            + "grace: no entry lost contact")
                    .register(registry);
        }
    }
}
