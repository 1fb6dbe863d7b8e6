package io.watchcache.spring.boot;

import java.util.List;

/**
 * Something besides {@link CacheWatch} and {@code LiveValue} beans that readiness waits for
 * when {@code watchcache.readiness.await-first-value=true}: a bean of this type is asked, while
 * readiness is held, what has not answered yet. cache-etcd declares one for its configuration
 * imports, so an {@code optional:} import that etcd has not answered keeps the application
 * {@code REFUSING_TRAFFIC} instead of serving the properties it will replace.
 */
@FunctionalInterface
public interface AwaitedFirstValues {

    /**
     * What has no first answer yet, each described without keys or values (they may be
     * secret), e.g. {@code "config import watchcache-etcd:config/myapp/"}; empty when all have.
     */
    List<String> missing();
}
