package io.watchcache.internal;

import java.util.concurrent.CompletableFuture;

/**
 * Someone waiting on an {@link Entry} for a store: a caller ({@link Waiter}) or a watch
 * ({@link Watch}). The entry calls it without holding its monitor.
 */
interface Follower {

    /** A fetch stored {@code snapshot}. */
    void onStore(Snapshot snapshot);

    /** The entry was removed; {@code last} is what it held. */
    void entryRemoved(Snapshot last, boolean closing);

    /** Whether {@code drain()} answers it: a caller, not a watch. */
    boolean isCaller();

    /** Answers now with what the entry has, as a timeout would; returns the answered future. */
    CompletableFuture<?> answerNow();

    /** Whether it has left already (answered or cancelled): it must not join again. */
    boolean released();
}
