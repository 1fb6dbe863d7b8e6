package io.watchcache.internal;

import java.util.List;

/**
 * A snapshot an entry has just swapped in, and what follows the swap outside the entry's monitor
 * ({@link #run}): the replaced state closed, the change of contact logged, the followers who
 * waited woken. The entry makes it under its monitor; its fetch loop runs it once the fetch is
 * counted.
 *
 * @param previous the snapshot replaced
 * @param next     the one swapped in
 * @param toWake   the followers at the swap
 */
record Store(Entry entry, CacheRuntime runtime, Snapshot previous, Snapshot next, List<Follower> toWake)
        implements Runnable {

    @Override
    public void run() {
        if (previous.state() != null && previous.state() != next.state()) {
            // Replaced (or dropped) by the newest result: no one will hand it back, so close it now.
            runtime.closeQuietly(previous.state(), entry.key);
        }
        entry.type.contact.transition(runtime, entry.key, previous, next);
        // Followers first: a next fetch that ends quickly would otherwise store (and wake them
        // with) its own outcome before they heard of this one, e.g. hand an error to a caller
        // whose fetch succeeded.
        for (Follower follower : toWake) {
            follower.onStore(entry, next);
        }
    }
}
