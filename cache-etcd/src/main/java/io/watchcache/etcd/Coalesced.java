package io.watchcache.etcd;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Concurrent consistent reads sharing their linearizable reads of etcd: at most one read in
 * flight, and one more for everyone who asked meanwhile, sent when the first ends. A read shared
 * this way was always sent after each of its askers asked, which is what a consistent read needs
 * of it (a read already in flight when one asks may have been served before that one began).
 *
 * <p>Each asker gets its own future: cancelling it (its read gave up) leaves the others' read
 * alone. A read whose askers have all given up is still sent and answered; nobody waits for it.
 *
 * @param <T> what the read answers
 */
final class Coalesced<T> {

    private final Supplier<CompletableFuture<T>> read;
    /** Whether a read is in flight now. */
    @GuardedBy("this")
    private boolean inFlight;
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
            if (inFlight) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                shared = next;
                send = false;
            } else {
                inFlight = true;
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
                inFlight = waiting != null;
                if (waiting != null) {
                    sent++;
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
