package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Concurrent consistent reads sharing their linearizable reads of etcd: up to
 * {@link #MAX_IN_FLIGHT} reads in flight, each for one asker, then one more for everyone who asks
 * while they are, sent when one of them ends. A read shared this way was always sent after each
 * of its askers asked, which is what a consistent read needs of it (a read already in flight when
 * one asks may have been served before that one began). Two in flight keep two callers from
 * waiting on each other's round trip; past that, reads share.
 *
 * <p>Each asker gets its own future: cancelling it (its read gave up) leaves the others' read
 * alone. A read whose askers have all given up is still sent and answered; nobody waits for it.
 *
 * @param <T> what the read answers
 */
final class Coalesced<T> {

    static final int MAX_IN_FLIGHT = 2;

    private final Supplier<CompletableFuture<T>> read;
    /** Reads in flight now. */
    @GuardedBy("this")
    private int inFlight;
    /** The read after the one in flight, shared by whoever asked since it was sent; null until someone did. */
    @GuardedBy("this")
    private @Nullable CompletableFuture<T> next;
    /** Reads sent so far, for tests and diagnostics. */
    @GuardedBy("this")
    private long sent;

    Coalesced(Supplier<CompletableFuture<T>> read) {
        this.read = read;
    }

    /** The answer of a read sent from now on: the one sent now, or the next one. */
    CompletableFuture<T> get() {
        CompletableFuture<T> shared;
        boolean send;
        synchronized (this) {
            if (inFlight >= MAX_IN_FLIGHT) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                shared = next;
                send = false;
            } else {
                inFlight++;
                sent++;
                shared = new CompletableFuture<>();
                send = true;
            }
        }
        if (send) {
            send(shared);
        }
        return shared.copy();
    }

    synchronized long sent() {
        return sent;
    }

    private void send(CompletableFuture<T> shared) {
        CompletableFuture<T> answer;
        try {
            answer = read.get();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((value, error) -> {
            CompletableFuture<T> waiting;
            synchronized (this) {
                waiting = next;
                next = null;
                if (waiting != null) {
                    sent++;
                } else {
                    inFlight--;
                }
            }
            // The next read goes out before this one's askers hear: whatever they do then, it was asked first.
            if (waiting != null) {
                send(waiting);
            }
            if (error != null) {
                shared.completeExceptionally(error);
            } else {
                shared.complete(value);
            }
        });
    }
}
