package io.watchcache.etcd;

import io.watchcache.Durations;
import io.watchcache.InvalidOptionException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the etcd cache types read and watch: the limits that turn a slow or silent member into
 * an error for the entries that depend on it.
 *
 * <pre>{@code
 * EtcdTypeOptions options = EtcdTypeOptions.builder()
 *         .requestTimeout(Duration.ofSeconds(5))
 *         .endpoints(List.of("http://10.0.0.1:2379"))   // only named in error messages
 *         .build();
 * new EtcdKeyType(connection, options);
 * }</pre>
 *
 * @param requestTimeout   how long one read (Range) may take before the fetch fails
 * @param progressInterval how long all the watch streams on one member may stay silent before
 *                         the member is asked for a progress report; one small request per idle
 *                         member (not per stream or watch) per interval
 * @param progressTimeout  how long the member has to answer that request; when it does not,
 *                         every stream on it fails and its watches are re-created, from where
 *                         they were, on whichever member answers (a failover within
 *                         {@code failoverGrace}, lost contact past it). A frozen member is
 *                         therefore noticed within about {@code progressInterval +
 *                         progressTimeout} plus half the shorter of the two
 * @param endpoints        the endpoints the client talks to, named in error messages (the jetcd
 *                         client does not expose them); empty when unknown
 * @param watchesPerStream how many entries' watches share one gRPC watch stream (etcd is built
 *                         for about 100 per stream); 1 gives every watch a stream of its own
 * @param failoverGrace    how long the watches of a failed stream have to be re-created and
 *                         confirmed on another member before their entries lose contact: within
 *                         it, a member shutting down, killed or frozen is a failover (counted,
 *                         logged at DEBUG), not an error for anyone; twice that while etcd
 *                         answers "no leader" (an election); zero reports every failure at once
 */
public record EtcdTypeOptions(Duration requestTimeout, Duration progressInterval, Duration progressTimeout,
                              List<String> endpoints, int watchesPerStream, Duration failoverGrace) {

    public static final int DEFAULT_WATCHES_PER_STREAM = 100;

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_PROGRESS_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_FAILOVER_GRACE = Duration.ofSeconds(2);

    public EtcdTypeOptions {
        requestTimeout = positive(requestTimeout, "requestTimeout");
        progressInterval = positive(progressInterval, "progressInterval");
        progressTimeout = positive(progressTimeout, "progressTimeout");
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        watchesPerStream = atLeastOne(watchesPerStream);
        failoverGrace = notNegative(failoverGrace, "failoverGrace");
    }

    public static EtcdTypeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How long a read, or the creation of a watch stream, may go unanswered before it is sent
     * again: a sixth of the shorter of {@code requestTimeout} and {@code progressTimeout} (500 ms
     * by default). A healthy member answers both in milliseconds; one that is frozen never does,
     * and gRPC's round robin places the next attempt on another member. Reads are sent again
     * until the request timeout, streams up to six times.
     */
    public Duration hedgeDelay() {
        Duration shorter = requestTimeout.compareTo(progressTimeout) <= 0 ? requestTimeout : progressTimeout;
        return shorter.dividedBy(6);
    }

    /** The endpoints as named in messages. */
    String describeEndpoints() {
        return endpoints.isEmpty() ? "the client's endpoints" : String.join(",", endpoints);
    }

    private static int atLeastOne(int watchesPerStream) {
        if (watchesPerStream < 1) {
            throw new InvalidOptionException("watchesPerStream", watchesPerStream, "must be at least 1");
        }
        return watchesPerStream;
    }

    private static Duration positive(Duration value, String name) {
        return Durations.requiredPositive(name, value);
    }

    private static Duration notNegative(Duration value, String name) {
        return Objects.requireNonNull(Durations.nonNegative(name, Objects.requireNonNull(value, name)));
    }

    public static final class Builder {

        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
        private Duration progressTimeout = DEFAULT_PROGRESS_TIMEOUT;
        private List<String> endpoints = List.of();
        private int watchesPerStream = DEFAULT_WATCHES_PER_STREAM;
        private Duration failoverGrace = DEFAULT_FAILOVER_GRACE;

        private Builder() {
        }

        /** How long a failed stream's watches have to be confirmed elsewhere before it is lost contact; zero: none. */
        public Builder failoverGrace(Duration failoverGrace) {
            this.failoverGrace = notNegative(failoverGrace, "failoverGrace");
            return this;
        }

        /** How many watches share one gRPC stream; 1: a stream per watch. */
        public Builder watchesPerStream(int watchesPerStream) {
            this.watchesPerStream = atLeastOne(watchesPerStream);
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        public Builder progressInterval(Duration progressInterval) {
            this.progressInterval = positive(progressInterval, "progressInterval");
            return this;
        }

        public Builder progressTimeout(Duration progressTimeout) {
            this.progressTimeout = positive(progressTimeout, "progressTimeout");
            return this;
        }

        public Builder endpoints(List<String> endpoints) {
            this.endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
            return this;
        }

        public EtcdTypeOptions build() {
            return new EtcdTypeOptions(requestTimeout, progressInterval, progressTimeout, endpoints,
                    watchesPerStream, failoverGrace);
        }
    }
}
