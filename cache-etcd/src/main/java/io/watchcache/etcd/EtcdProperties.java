package io.watchcache.etcd;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The jetcd client the etcd cache types use, under {@code watchcache.etcd.*}. */
@ConfigurationProperties("watchcache.etcd")
public class EtcdProperties {

    /** Endpoints of the etcd cluster, e.g. http://127.0.0.1:2379. Setting them creates the client. */
    private List<String> endpoints = new ArrayList<>();

    /** User name for etcd authentication. */
    private String user;

    /** Password for etcd authentication. */
    private String password;

    /** Key namespace (prefix) the client works in. */
    private String namespace;

    /** Authority to use for TLS server name checks. */
    private String authority;

    /** Longest time one read may take before the fetch fails and the cache backs off. */
    private Duration requestTimeout = Duration.ofSeconds(5);

    public List<String> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
        this.endpoints = endpoints;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getAuthority() {
        return authority;
    }

    public void setAuthority(String authority) {
        this.authority = authority;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    @Override
    public String toString() {
        return "EtcdProperties[endpoints=" + endpoints + ", user=" + user + ", password="
                + (password == null ? null : "<redacted>") + ", namespace=" + namespace + "]";
    }
}
