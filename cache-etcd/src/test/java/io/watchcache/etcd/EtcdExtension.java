package io.watchcache.etcd;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.nio.file.Path;

/**
 * Starts a real etcd ({@code etcd} from Debian's {@code etcd-server}) once per test class and
 * hands it to tests as an {@link EtcdServer} parameter; stops it after the class. Without the
 * binary the tests are skipped with a message, unless {@code WATCHCACHE_REQUIRE_ETCD=1} (as
 * CI sets after installing etcd), which turns the skip into a failure.
 */
final class EtcdExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EtcdExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path binary = EtcdServer.findBinary();
        if (binary == null) {
            String message = "no etcd binary on the PATH or at /usr/bin/etcd (apt-get install etcd-server)";
            if ("1".equals(System.getenv("WATCHCACHE_REQUIRE_ETCD"))) {
                throw new IllegalStateException(message + ", and WATCHCACHE_REQUIRE_ETCD=1 requires it");
            }
            Assumptions.abort("Skipping etcd integration tests: " + message);
        }
        EtcdServer server = EtcdServer.start(binary);
        // AutoCloseable store values are closed with the class's context: etcd stops after the class.
        context.getStore(NAMESPACE).put("server", server);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EtcdServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).get("server", EtcdServer.class);
    }
}
