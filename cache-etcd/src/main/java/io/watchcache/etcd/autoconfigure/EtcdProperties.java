package io.watchcache.etcd.autoconfigure;

import io.watchcache.RequestInfo;
import io.watchcache.etcd.EtcdTypeOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The jetcd client and the etcd cache types, under {@code watchcache.etcd.*}. */
@ConfigurationProperties("watchcache.etcd")
public class EtcdProperties {

    /** Endpoints of the etcd cluster, e.g. http://127.0.0.1:2379. Setting them creates the client. */
    private List<String> endpoints = new ArrayList<>();

    /** User name for etcd authentication. */
    private @Nullable String user;

    /** Password for etcd authentication. */
    private @Nullable String password;

    /** Key namespace (prefix) the client works in. */
    private @Nullable String namespace;

    /** Authority to use for TLS server name checks. */
    private @Nullable String authority;

    /** Longest time one read may take before the fetch fails and the cache backs off. */
    private Duration requestTimeout = EtcdTypeOptions.DEFAULT_REQUEST_TIMEOUT;

    /** How long the watch streams on one member may stay silent before the member is asked for progress. */
    private Duration progressInterval = EtcdTypeOptions.DEFAULT_PROGRESS_INTERVAL;

    /**
     * How long a member has to answer a progress request before its watch streams count as
     * failed (each watch then re-created from where it was on whichever member answers: a
     * failover within the failover grace, lost contact past it).
     */
    private Duration progressTimeout = EtcdTypeOptions.DEFAULT_PROGRESS_TIMEOUT;

    /**
     * How long the watches of a failed watch stream have to be re-created and confirmed on
     * another member before their entries lose contact. Within it, a member shutting down, killed
     * or frozen is a failover: counted and logged at DEBUG, with no WARN and no error event; twice
     * that while etcd elects a leader. 0 reports every stream failure at once.
     */
    private Duration failoverGrace = EtcdTypeOptions.DEFAULT_FAILOVER_GRACE;

    /**
     * Time without reads on a connection after which gRPC sends a keepalive ping. gRPC raises
     * values below 10s to 10s.
     */
    private Duration keepaliveTime = Duration.ofSeconds(10);

    /** How long gRPC waits for a keepalive ping's answer before it closes the connection. */
    private Duration keepaliveTimeout = Duration.ofSeconds(5);

    /**
     * How many entries' watches share one gRPC watch stream (etcd is built for about 100 per
     * stream). 1 gives every watch a stream of its own.
     */
    private int watchesPerStream = EtcdTypeOptions.DEFAULT_WATCHES_PER_STREAM;

    private final Ssl ssl = new Ssl();

    private final Config config = new Config();

    public List<String> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
        this.endpoints = endpoints;
    }

    public @Nullable String getUser() {
        return user;
    }

    public void setUser(@Nullable String user) {
        this.user = user;
    }

    public @Nullable String getPassword() {
        return password;
    }

    public void setPassword(@Nullable String password) {
        this.password = password;
    }

    public @Nullable String getNamespace() {
        return namespace;
    }

    public void setNamespace(@Nullable String namespace) {
        this.namespace = namespace;
    }

    public @Nullable String getAuthority() {
        return authority;
    }

    public void setAuthority(@Nullable String authority) {
        this.authority = authority;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public Duration getProgressInterval() {
        return progressInterval;
    }

    public void setProgressInterval(Duration progressInterval) {
        this.progressInterval = progressInterval;
    }

    public Duration getFailoverGrace() {
        return failoverGrace;
    }

    public void setFailoverGrace(Duration failoverGrace) {
        this.failoverGrace = failoverGrace;
    }

    public Duration getProgressTimeout() {
        return progressTimeout;
    }

    public void setProgressTimeout(Duration progressTimeout) {
        this.progressTimeout = progressTimeout;
    }

    public Duration getKeepaliveTime() {
        return keepaliveTime;
    }

    public void setKeepaliveTime(Duration keepaliveTime) {
        this.keepaliveTime = keepaliveTime;
    }

    public Duration getKeepaliveTimeout() {
        return keepaliveTimeout;
    }

    public void setKeepaliveTimeout(Duration keepaliveTimeout) {
        this.keepaliveTimeout = keepaliveTimeout;
    }

    public int getWatchesPerStream() {
        return watchesPerStream;
    }

    public void setWatchesPerStream(int watchesPerStream) {
        this.watchesPerStream = watchesPerStream;
    }

    public Config getConfig() {
        return config;
    }

    public Ssl getSsl() {
        return ssl;
    }

    /** Configuration imports ({@code spring.config.import=watchcache-etcd:<prefix>}). */
    public static class Config {

        /**
         * Status of the etcdConfig health component while keys under an imported prefix do not
         * parse (the last good values serve meanwhile). UP keeps a bad push to a shared prefix
         * from taking every instance out of its load balancer; DOWN or OUT_OF_SERVICE opt in.
         */
        private String invalidKeysStatus = "UP";

        /**
         * Whether a change an import's watch delivers also refreshes @RefreshScope beans (with
         * spring-cloud-context on the classpath), as Spring Cloud's own watchers do, without
         * re-reading etcd: @ConfigurationProperties beans are re-bound either way.
         */
        private boolean refreshScope = true;

        public boolean isRefreshScope() {
            return refreshScope;
        }

        public void setRefreshScope(boolean refreshScope) {
            this.refreshScope = refreshScope;
        }

        public String getInvalidKeysStatus() {
            return invalidKeysStatus;
        }

        public void setInvalidKeysStatus(String invalidKeysStatus) {
            this.invalidKeysStatus = invalidKeysStatus;
        }
    }

    /** TLS for the connection to etcd. */
    public static class Ssl {

        /**
         * Name of the SSL bundle (spring.ssl.bundle.*) whose trust material checks etcd's
         * certificate and whose key, if any, authenticates this client. Setting it switches
         * the client to TLS (endpoints then use https://).
         */
        private @Nullable String bundle;

        public @Nullable String getBundle() {
            return bundle;
        }

        public void setBundle(@Nullable String bundle) {
            this.bundle = bundle;
        }
    }

    @Override
    public String toString() {
        return "EtcdProperties[endpoints=" + endpoints + ", user=" + user + ", password="
                + (password == null ? null : RequestInfo.MASK) + ", namespace=" + namespace + ", ssl.bundle="
                + ssl.bundle + "]";
    }
}
