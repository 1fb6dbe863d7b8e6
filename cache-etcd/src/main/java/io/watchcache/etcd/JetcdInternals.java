package io.watchcache.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.function.Function;

/**
 * What jetcd 0.8.7 keeps to itself that the shared watch streams need: a gRPC stub on the
 * client's own channel, with its call credentials (user/password) and wait-for-ready exactly as
 * jetcd sets them on its own stubs, and the client's namespace. Reached by reflection on
 * {@code ClientImpl.connectionManager}; the version is pinned, and the tests against real etcd
 * (plain, TLS, auth) break first if it moves. It is the only place cache-etcd reaches into
 * jetcd: the reachability probe resets the backoff of the stubs' own channel
 * ({@link EtcdCalls#channel()}).
 */
final class JetcdInternals {

    private JetcdInternals() {
    }

    /** A stub made by the client's connection manager, as jetcd makes its own. */
    @SuppressWarnings("unchecked")
    static <T extends AbstractStub<T>> T stub(Client client, Function<ManagedChannel, T> supplier) {
        try {
            Object manager = connectionManager(client);
            Method newStub = manager.getClass().getDeclaredMethod("newStub", Function.class);
            newStub.setAccessible(true);
            return (T) newStub.invoke(manager, supplier);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach the gRPC channel of " + client.getClass().getName()
                    + " (jetcd 0.8.7 is required): " + e, e);
        }
    }

    /** The namespace the client prefixes keys with (empty for none). */
    static ByteSequence namespace(Client client) {
        try {
            Object manager = connectionManager(client);
            Method getNamespace = manager.getClass().getDeclaredMethod("getNamespace");
            getNamespace.setAccessible(true);
            ByteSequence ns = (ByteSequence) getNamespace.invoke(manager);
            return ns == null ? ByteSequence.EMPTY : ns;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read the namespace of " + client.getClass().getName()
                    + " (jetcd 0.8.7 is required): " + e, e);
        }
    }

    private static Object connectionManager(Client client) throws ReflectiveOperationException {
        Field manager = client.getClass().getDeclaredField("connectionManager");
        manager.setAccessible(true);
        return manager.get(client);
    }
}
