package io.watchcache.etcd;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;

/**
 * Starts a real etcd ({@code etcd} from Debian's {@code etcd-server}) once per test class, one
 * member by default or as many as {@link Members} says, and hands it to tests as an
 * {@link EtcdCluster} or (its first) {@link EtcdCluster.Member} parameter; stops it after the
 * class. Without the binary the tests are skipped with a message, unless
 * {@code WATCHCACHE_REQUIRE_ETCD=1} (as CI sets after installing etcd), which turns the skip
 * into a failure.
 */
final class EtcdExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EtcdExtension.class);

    /** How many members the test class's cluster has. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Members {
        int value();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path binary = binaryOrSkip();
        Members members = context.getRequiredTestClass().getAnnotation(Members.class);
        EtcdCluster cluster = EtcdCluster.start(binary, members == null ? 1 : members.value());
        // AutoCloseable store values are closed with the class's context: etcd stops after the class.
        context.getStore(NAMESPACE).put("cluster", cluster);
    }

    /** The etcd binary; without one, skips the calling tests, or fails them when CI requires etcd. */
    static Path binaryOrSkip() {
        Path binary = EtcdCluster.findBinary();
        if (binary == null) {
            String message = "no etcd binary on the PATH or at /usr/bin/etcd (apt-get install etcd-server)";
            if ("1".equals(System.getenv("WATCHCACHE_REQUIRE_ETCD"))) {
                throw new IllegalStateException(message + ", and WATCHCACHE_REQUIRE_ETCD=1 requires it");
            }
            Assumptions.abort("Skipping etcd integration tests: " + message);
        }
        return binary;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EtcdCluster.class || type == EtcdCluster.Member.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EtcdCluster cluster = context.getStore(NAMESPACE).get("cluster", EtcdCluster.class);
        return parameter.getParameter().getType() == EtcdCluster.class ? cluster : cluster.member(0);
    }
}
