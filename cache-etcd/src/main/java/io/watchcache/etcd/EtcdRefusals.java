package io.watchcache.etcd;

import io.grpc.Status;

import java.util.Locale;

/**
 * Which etcd errors are refusals rather than silences: etcd answered, and asking again will get
 * the same answer. An entry that gets one is failed (its refresh stops, the error is kept and
 * shown), not out of contact; retrying it forever as lost contact would only hide a missing
 * permission behind a flapping flag.
 *
 * <p>A refusal is {@code PERMISSION_DENIED} (the user's roles do not cover the key, or a watch
 * etcd cancelled for that reason), or a user name or password that etcd rejects (no token can
 * be had). An invalid or expired token ({@code UNAUTHENTICATED}) is not: the connection gets a new
 * one with its credentials and the next attempt succeeds; when it cannot, that is the
 * rejected password above.
 */
final class EtcdRefusals {

    private EtcdRefusals() {
    }

    static boolean isRefusal(Throwable error) {
        // Status.fromThrowable looks through the causes for a gRPC status. A watch etcd cancelled
        // for a missing permission carries it as a status too (cancelled, below).
        Status status = Status.fromThrowable(error);
        if (status.getCode() == Status.Code.PERMISSION_DENIED) {
            return true;
        }
        String description = String.valueOf(status.getDescription()).toLowerCase(Locale.ROOT);
        return description.contains("authentication failed");
    }

    /** The error for a watch etcd cancelled with {@code reason}: a gRPC status when etcd refused it. */
    static RuntimeException cancelled(String reason) {
        String shown = reason.isEmpty() ? "no reason given" : reason;
        if (reason.toLowerCase(Locale.ROOT).contains("permission denied")) {
            return Status.PERMISSION_DENIED.withDescription("etcd cancelled the watch: " + shown).asRuntimeException();
        }
        return new IllegalStateException("etcd cancelled the watch: " + shown);
    }
}
