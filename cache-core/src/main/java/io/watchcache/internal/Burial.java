package io.watchcache.internal;

/**
 * An entry's kill, from when it begins: the thread that runs it, and whether it has finished (the
 * state closed, the followers released). A second kill waits for the first to finish, so that
 * {@code evict} never returns before the state is closed; but a kill the first one causes itself,
 * on its own thread (a released caller closing the cache), must not wait for itself. Its fields
 * are guarded by the entry's monitor, which every method here is called under.
 */
final class Burial {

    private final Thread killer = Thread.currentThread();
    private boolean buried;

    /** Called holding {@code entry}'s monitor: the kill has finished; wakes whoever waits for it. */
    void buried(Object entry) {
        buried = true;
        entry.notifyAll();
    }

    /**
     * Called holding {@code entry}'s monitor by a later kill: waits until the first has finished,
     * unless it runs on the first one's thread. An interrupt does not end the wait; it is kept for
     * the caller.
     */
    void awaitOn(Object entry) {
        if (killer == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (!buried) {
            try {
                entry.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
