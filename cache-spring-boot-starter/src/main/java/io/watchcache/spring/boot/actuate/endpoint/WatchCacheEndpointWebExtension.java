package io.watchcache.spring.boot.actuate.endpoint;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import java.util.Set;

/**
 * The endpoint over HTTP: values shown by {@code show-values} and the caller's roles
 * ({@code management.endpoint.watchcache.roles}), and {@code DELETE} of an unknown entry
 * answered 404.
 */
@EndpointWebExtension(endpoint = WatchCacheEndpoint.class)
public class WatchCacheEndpointWebExtension {

    private final WatchCacheEndpoint delegate;
    private final Set<String> roles;

    public WatchCacheEndpointWebExtension(WatchCacheEndpoint delegate, Set<String> roles) {
        this.delegate = delegate;
        this.roles = Set.copyOf(roles);
    }

    @ReadOperation
    public WatchCacheEndpoint.WatchCacheDescriptor describe(SecurityContext securityContext) {
        return delegate.describe(delegate.showValues().isShown(securityContext, roles));
    }

    @DeleteOperation
    public WebEndpointResponse<WatchCacheEndpoint.EvictionDescriptor> evict(@Selector String id) {
        WatchCacheEndpoint.EvictionDescriptor eviction = delegate.evict(id);
        return eviction.evicted() ? new WebEndpointResponse<>(eviction)
                : new WebEndpointResponse<>(eviction, WebEndpointResponse.STATUS_NOT_FOUND);
    }
}
