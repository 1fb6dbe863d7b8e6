package io.watchcache.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.Result;
import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One cached entry: its current {@link Snapshot}, the followers waiting for a newer one, and
 * its life (the kill that ends it). When it fetches is its {@link FetchLoop}'s to decide; the
 * entry starts each fetch the loop asks for and stores what it brings.
 *
 * <p>Locking: the monitor of this object guards the fields marked so. It is held only for
 * bookkeeping: a type's fetch, its {@code isFatal}, a state's {@code close} and the completion
 * of a follower's future all run after it is released. The loop's monitor may be taken under
 * it, never the other way round.
 */
final class Entry implements FetchLoop.Owner, Consumer<Fetcher.Outcome> {

    final EntryKey key;
    final TypeRegistration type;
    /** Shown in base 36 ({@link #id()}); a number, so that thousands of entries keep no string each. */
    private final long id;
    /** Starts the entry's fetches; the entry reaches the cache's runtime through it: one field fewer per entry. */
    private final Fetcher fetcher;
    /** When the entry fetches: its rate, its backoff, whether a fetch is going. */
    final FetchLoop loop;

    /** Replaced whole under the monitor; read without it. */
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /**
     * What a hit on {@link #snapshot} returns, once a hit made it; null again from every swap on.
     * Written under the monitor, read without it: the hit path reads this and not the snapshot.
     */
    private volatile @Nullable Result<Object> hit;
    /*
     * The table's lease on this entry: waiters holding it, its last use on the table's clock,
     * whether the table is removing it as idle, and whether it has left the table. Only
     * EntryTable's handles read or write them (see EntryTable#idle); the entry itself never does.
     */
    @SuppressWarnings("unused")
    private volatile int holders;
    @SuppressWarnings("unused")
    private volatile long lastUse;
    @SuppressWarnings("unused")
    private volatile boolean expiring;
    @SuppressWarnings("unused")
    private volatile boolean removed;
    /** The latest request that missed: handed to the type on each fetch. */
    private volatile CacheRequest request;

    /** Nobody (null), the lone follower, or a {@link Followers}: see {@link Followers#add(Object, Follower)}. */
    @GuardedBy("this")
    private @Nullable Object followers;
    /** The kill that ends the entry, once it has begun; null while the entry lives. */
    @GuardedBy("this")
    private @Nullable Burial burial;

    Entry(Fetcher fetcher, EntryKey key, TypeRegistration type, long id, CacheRequest request) {
        this.fetcher = fetcher;
        this.key = key;
        this.type = type;
        this.id = id;
        this.request = request;
        this.loop = new FetchLoop(fetcher.runtime, this, fetcher.runtime.newBucket());
    }

    private CacheRuntime runtime() {
        return fetcher.runtime;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** The result a hit on the current snapshot returns, or null when no hit has made it yet. */
    @Nullable Result<Object> hit() {
        return hit;
    }

    /**
     * Keeps {@code made}, a hit's result on {@code from}, while {@code from} is the entry's
     * snapshot, and returns the one kept (another hit's, when two made one at once). Under the
     * monitor, like the swap: a result made from a snapshot just replaced is never kept.
     */
    synchronized Result<Object> keepHit(Snapshot from, Result<Object> made) {
        if (snapshot != from) {
            return made;
        }
        Result<Object> kept = hit;
        if (kept == null) {
            hit = made;
            kept = made;
        }
        return kept;
    }

    @Override
    public TypeRegistration type() {
        return type;
    }

    @Override
    public EntryKey key() {
        return key;
    }

    void request(CacheRequest request) {
        this.request = request;
    }

    /** The entry's id, as snapshots and the endpoint show it. */
    String id() {
        return Long.toString(id, 36);
    }

    /** Whether {@code entryId} ({@code parsed} in base 36) names this entry; a string is made only for a match. */
    boolean hasId(long parsed, String entryId) {
        return id == parsed && id().equals(entryId);
    }

    /** Followers waiting right now (callers and watch reads). */
    synchronized int followers() {
        return Followers.size(followers);
    }

    @Override
    public synchronized String toString() {
        // The table's lease (holders, last use) is the table's to show: the entry never reads it.
        return "Entry[id=" + id() + ", " + key + ", followers=" + Followers.copy(followers)
                + ", dead=" + (burial != null) + ", fetchState=" + loop + "]";
    }

    /**
     * Adds a follower who looked at snapshot {@code seenVersion} and was not satisfied. If a
     * store happened since that look, it judges that store at once rather than waiting for the next.
     */
    void follow(Follower follower, int seenVersion) {
        Snapshot missed = null;
        boolean added;
        synchronized (this) {
            // Checked under the monitor that unfollow() takes: a follower that left before it
            // joined (cancelled meanwhile) is never added, and one that leaves after is removed.
            if (follower.released()) {
                return;
            }
            added = burial == null;
            if (added) {
                followers = Followers.add(followers, follower);
                if (snapshot.version() != seenVersion) {
                    missed = snapshot;
                }
            }
        }
        if (!added) {
            follower.entryRemoved(this, snapshot, runtime().isClosed());
        } else if (missed != null) {
            follower.onStore(this, missed);
        } else {
            ensureFetch();
        }
    }

    synchronized void unfollow(Follower follower) {
        followers = Followers.remove(followers, follower);
    }

    /** The callers (not watches) waiting right now; for drain(). */
    synchronized List<Follower> waitingCallers() {
        return Followers.copy(followers).stream().filter(Follower::isCaller).toList();
    }

    /** Someone needs a fetch: the loop starts one unless one is going or due (see {@link FetchLoop#ensure}). */
    void ensureFetch() {
        loop.ensure(snapshot.valid());
    }

    /** Starts the fetch the loop asked for, from the current snapshot and the latest request. */
    @Override
    public void startFetch() {
        Snapshot current = snapshot;
        // Non-blocking types are never asked for a minimum index: they could not honour it.
        FetchOptions<Object> options = new FetchOptions<>(type.blocking ? current.index() : 0, type.queryTimeout,
                current.lastResult());
        Fetcher.Run run = fetcher.newRun(type, options.minIndex());
        // Kept before it starts, so that kill() can always stop the run that is going.
        if (loop.begin(run)) {
            fetcher.start(run, options, request, this);
        }
    }

    /** Stores a value handed in by the application; no fetch ran, so none is counted and none follows. */
    void prepopulate(FetchResult<?> result) {
        Store store = swapIn(previous -> previous.succeeded(result, runtime().now()));
        if (store != null) {
            type.metrics.recordPut();
            store.run();
        }
    }

    /**
     * A fetch ended: swaps in the snapshot it produced; the loop then counts the fetch, the
     * followers hear of the store, and the loop starts the next fetch if one is due. (The entry
     * is its fetches' callback, so that a fetch in flight costs no callback object.)
     */
    @Override
    public void accept(Fetcher.Outcome outcome) {
        // Once the cache closes, an ending fetch is not news: it was cancelled, by this entry's
        // kill or by another's when the source shares one stage among entries, and must not read
        // as the source going silent.
        Store store = runtime().isClosed() ? null : swapIn(previous -> previous.after(outcome, runtime().now(),
                type.refresh));
        if (store == null) {
            Snapshot last = snapshot;
            loop.finished(outcome, false, 0, () -> closeOrphan(outcome, last));
            return;
        }
        FetchResult<Object> brought = outcome.result();
        if (brought != null && !brought.unchanged() && !brought.notModified()) {
            type.metrics.recordPut();
        }
        loop.finished(outcome, true, store.next().index(), store);
    }

    /**
     * Swaps in the snapshot {@code next} makes of the current one, unless the entry is dead
     * (null); under the monitor. What follows the store, outside it, is the returned one's to run.
     */
    private @Nullable Store swapIn(UnaryOperator<Snapshot> next) {
        synchronized (this) {
            if (burial != null) {
                return null;
            }
            Snapshot previous = snapshot;
            Snapshot made = next.apply(previous);
            if (type.refresh) {
                type.metrics.stateChanged(previous, made);
            }
            // Cleared before the swap: a reader that finds a kept result and then this snapshot knows it is this one's.
            hit = null;
            snapshot = made;
            return new Store(this, previous, made, Followers.copy(followers));
        }
    }

    /**
     * A snapshot just swapped in, and what follows the swap outside the monitor
     * ({@link #stored}); the fetch loop runs it once the fetch is counted.
     */
    private record Store(Entry entry, Snapshot previous, Snapshot next, List<Follower> toWake) implements Runnable {
        @Override
        public void run() {
            entry.stored(previous, next, toWake);
        }
    }

    /** After a store, outside the monitor: closes a replaced state, logs contact, wakes the followers. */
    private void stored(Snapshot previous, Snapshot next, List<Follower> toWake) {
        if (previous.state() != null && previous.state() != next.state()) {
            // Replaced (or dropped) by the newest result: no one will hand it back, so close it now.
            runtime().closeQuietly(previous.state(), key);
        }
        type.contact.transition(runtime(), key, previous, next);
        // Followers first: a next fetch that ends quickly would otherwise store (and wake them
        // with) its own outcome before they heard of this one, e.g. hand an error to a caller
        // whose fetch succeeded.
        for (Follower follower : toWake) {
            follower.onStore(this, next);
        }
    }

    /** The entry was removed while a fetch ran: the state it brought belongs to no one now. */
    private void closeOrphan(Fetcher.Outcome outcome, Snapshot last) {
        Object orphan = outcome.result() == null ? null : outcome.result().state();
        if (orphan != null && orphan != last.state()) {
            runtime().closeQuietly(orphan, key);
        }
    }

    /**
     * Removes the entry for good: no fetch starts again, the running one is interrupted or
     * cancelled, followers are told ({@link Follower#entryRemoved}: an error if the cache is
     * closing, else the last value, like a timeout, or for a caller whose entry has none yet a
     * wait on the key's next entry) and the state is closed. Idempotent, and done when it returns,
     * whoever calls it (see {@link Burial}): the cache's removal callback and {@code evict} may
     * kill the entry at once.
     */
    void kill(boolean closing) {
        List<Follower> released;
        Fetcher.@Nullable Run toCancel;
        Burial mine;
        synchronized (this) {
            if (burial != null) {
                burial.awaitOn(this);
                return;
            }
            mine = new Burial();
            burial = mine;
            if (type.refresh) {
                // Gone from the type's counts; its snapshot stays for whoever still holds it.
                type.metrics.stateChanged(snapshot, Snapshot.EMPTY);
            }
            toCancel = loop.stop();
            released = Followers.copy(followers);
            followers = null;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
        Snapshot last = snapshot;
        for (Follower follower : released) {
            follower.entryRemoved(this, last, closing);
        }
        // Once: only the first kill gets here (the burial is set under the monitor).
        try {
            if (last.state() != null) {
                runtime().closeQuietly(last.state(), key);
            }
        } finally {
            synchronized (this) {
                mine.buried(this);
            }
        }
    }
}
