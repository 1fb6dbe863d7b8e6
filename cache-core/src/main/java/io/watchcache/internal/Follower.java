package io.watchcache.internal;

import java.util.concurrent.CompletableFuture;

/**
 * Someone waiting on an {@link Entry} for a store: a caller ({@link Waiter}) or a watch
 * ({@link Watch}). The entry calls it without holding its monitor, so notices of two stores can
 * race, and one can reach a follower that has already been answered and waits again.
 */
interface Follower {

    /**
     * A fetch stored {@code snapshot} on {@code entry}. The notice may come late: after a newer
     * store, or after the follower has moved on from the wait it was for.
     */
    void onStore(Entry entry, Snapshot snapshot);

    /** {@code entry} was removed; {@code last} is what it held. The notice may come late, like a store's. */
    void entryRemoved(Entry entry, Snapshot last, boolean closing);

    /** Whether {@code drain()} answers it: a caller, not a watch. */
    boolean isCaller();

    /** Answers now with what the entry has, as a timeout would; returns the answered future. */
    CompletableFuture<?> answerNow();

    /** Whether it has left already (answered or cancelled): it must not join again. */
    boolean released();
}
