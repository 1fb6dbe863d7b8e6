package io.watchcache.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The auth token of a connection with a user and password, as etcd's own clients keep it: had
 * with an {@code Authenticate} call on first use, sent as the {@code token} header of every
 * call, and had again when etcd answers a call {@code UNAUTHENTICATED} (the token expired, or
 * the member that issued it restarted).
 *
 * <p>One {@code Authenticate} call at a time, however many calls wait for the token (a fleet
 * of first reads would otherwise log in once per read). A failed login is not kept: the next
 * call tries again, and fails with etcd's own status, so a rejected password reads as
 * {@code authentication failed} ({@link EtcdRefusals}) and an unreachable etcd as unavailable.
 *
 * <p>The token and the password never leave this object: not in {@code toString}, not in an
 * error.
 */
final class EtcdToken extends CallCredentials {

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    private final ClientInterceptor[] authInterceptors;
    private final AuthenticateRequest login;
    /** Set once, right after the connection's channel is built. */
    private volatile AuthGrpc.@Nullable AuthStub auth;
    /** The token's header, had or on its way; null until first use and after etcd refuses it. */
    private final AtomicReference<@Nullable CompletableFuture<Metadata>> current = new AtomicReference<>();

    /** Logs in as {@code builder}'s user, with its auth headers and interceptors. */
    EtcdToken(ClientBuilder builder) {
        List<ClientInterceptor> interceptors = new ArrayList<>();
        Map<Metadata.Key<?>, Object> headers = builder.authHeaders();
        if (headers != null && !headers.isEmpty()) {
            interceptors.add(MetadataUtils.newAttachHeadersInterceptor(EtcdConnection.metadata(headers)));
        }
        if (builder.authInterceptors() != null) {
            interceptors.addAll(builder.authInterceptors());
        }
        this.authInterceptors = interceptors.toArray(ClientInterceptor[]::new);
        this.login = AuthenticateRequest.newBuilder()
                .setNameBytes(ByteString.copyFrom(builder.user().getBytes()))
                .setPasswordBytes(ByteString.copyFrom(builder.password().getBytes()))
                .build();
    }

    /** Logs in with calls on {@code channel}, which carry no token. */
    void logInOn(Channel channel) {
        this.auth = AuthGrpc.newStub(channel).withInterceptors(authInterceptors);
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        token().whenComplete((header, error) -> {
            if (error == null) {
                applier.apply(header);
            } else {
                // etcd's own status: "authentication failed" is a refusal, UNAVAILABLE a silence.
                applier.fail(Status.fromThrowable(error));
            }
        });
    }

    /** The token's header: the one had, or the login under way, or a new login. */
    private CompletableFuture<Metadata> token() {
        while (true) {
            CompletableFuture<Metadata> had = current.get();
            if (had != null) {
                return had;
            }
            CompletableFuture<Metadata> fresh = new CompletableFuture<>();
            if (current.compareAndSet(null, fresh)) {
                login(fresh);
                return fresh;
            }
        }
    }

    private void login(CompletableFuture<Metadata> header) {
        // A failed login is forgotten, so the next call logs in again rather than failing for ever.
        header.whenComplete((ok, error) -> {
            if (error != null) {
                current.compareAndSet(header, null);
            }
        });
        AuthGrpc.AuthStub stub = Objects.requireNonNull(auth, "logInOn was not called");
        stub.authenticate(login, new StreamObserver<>() {
            @Override
            public void onNext(AuthenticateResponse response) {
                Metadata token = new Metadata();
                token.put(TOKEN, response.getToken());
                header.complete(token);
            }

            @Override
            public void onError(Throwable error) {
                header.completeExceptionally(error);
            }

            @Override
            public void onCompleted() {
                header.completeExceptionally(Status.UNAUTHENTICATED
                        .withDescription("etcd answered a login with nothing").asRuntimeException());
            }
        });
    }

    /** etcd refused the token: the next call logs in again. A login under way is kept. */
    void refuse() {
        CompletableFuture<Metadata> had = current.get();
        if (had != null && had.isDone()) {
            current.compareAndSet(had, null);
        }
    }

    /**
     * Watches every call on the channel for etcd refusing the token ({@code UNAUTHENTICATED}:
     * expired, or unknown to a restarted member), so the next call logs in again. The refused
     * call still fails; its caller retries as it would after any failure.
     */
    ClientInterceptor refusals() {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                                                       Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                                    refuse();
                                }
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        };
    }

    @Override
    public String toString() {
        return "EtcdToken";
    }
}
