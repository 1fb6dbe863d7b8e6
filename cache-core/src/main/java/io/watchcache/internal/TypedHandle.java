package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.FetchResult;
import io.watchcache.LiveValue;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.UpdateEvent;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A registered type as its callers hold it. The engine stores values as {@code Object}; this
 * is the one place they are cast back, and registration is what makes the cast true: every
 * value of the entries of this registration came from its type's {@code fetch}.
 */
final class TypedHandle<R extends CacheRequest, V> implements TypedCache<R, V> {

    private final Reads reads;
    private final ConsistentReads consistent;
    private final Watches watches;
    private final TypeRegistration registration;
    /** The registration's plain entries, as the table indexes them: a hit's lookup starts here. */
    private final ConcurrentHashMap<String, Entry> plainEntries;

    TypedHandle(Reads reads, ConsistentReads consistent, Watches watches, TypeRegistration registration,
                ConcurrentHashMap<String, Entry> plainEntries) {
        this.reads = reads;
        this.consistent = consistent;
        this.watches = watches;
        this.registration = registration;
        this.plainEntries = plainEntries;
    }

    TypeRegistration registration() {
        return registration;
    }

    @Override
    public String name() {
        return registration.name;
    }

    @Override
    public RegisterOptions options() {
        return registration.options;
    }

    @Override
    public Result<V> get(R request) throws InterruptedException {
        RequestInfo info = Reads.info(request);
        if (registration.consistent(info)) {
            return cast(Futures.await(consistent.read(registration, request, info, true, true)));
        }
        return cast(reads.get(registration, plainEntries, request, info));
    }

    @Override
    public CompletableFuture<Result<V>> getAsync(R request) {
        RequestInfo info = Reads.info(request);
        if (registration.consistent(info)) {
            return cast(consistent.read(registration, request, info, true, false));
        }
        return cast(reads.getAsync(registration, plainEntries, request, info));
    }

    @Override
    public Subscription watch(R request, String correlationId, Consumer<? super UpdateEvent<V>> listener) {
        Objects.requireNonNull(listener, "listener");
        // The listener takes the events as the engine makes them, unwrapped: the cast is true by
        // registration (see the class doc), and a watch then keeps no adapter object.
        return watches.watch(registration, request, correlationId, cast(listener));
    }

    @Override
    public LiveValue<V> live(R request) {
        return startLive(request, LiveHandle.CORRELATION_ID);
    }

    @Override
    public LiveValue<V> live(R request, String name) {
        Objects.requireNonNull(name, "name");
        return startLive(request, name.isBlank() ? LiveHandle.CORRELATION_ID : LiveHandle.CORRELATION_ID + " " + name);
    }

    private LiveValue<V> startLive(R request, String correlationId) {
        LiveHandle<V> live = new LiveHandle<>(registration.name);
        live.attach(watches.watch(registration, request, correlationId, live::onEvent));
        return live;
    }

    @Override
    public void prepopulate(RequestInfo info, FetchResult<V> result) {
        reads.prepopulate(registration, info, result);
    }

    @Override
    public String toString() {
        return "TypedCache[" + registration.name + ", " + registration.options + "]";
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
