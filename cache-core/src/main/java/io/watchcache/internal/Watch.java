package io.watchcache.internal;

import io.watchcache.CacheRequest;
import io.watchcache.RequestInfo;
import io.watchcache.Result;
import io.watchcache.Subscription;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A watch: a loop of cache reads that delivers an {@link UpdateEvent} whenever the value
 * behind a request changes. The loop is a chain, not a thread: a read that the entry answers
 * at once hops to the executor and delivers; one that must wait makes the watch a follower of
 * the entry ({@link Follower}), which the next store that satisfies it answers. The next
 * read then starts at once, or on the cache's scheduler after a poll interval or a backoff.
 * While it waits, a watch holds no thread, no future and no waiter: it is on its entry's list
 * of followers. From its first read until it ends it holds the entry it reads (see
 * {@link WatchSource#hold}), so that an entry a watch polls every minute does not expire under it
 * with a TTL of seconds.
 *
 * <p>What the listener has been told, and how each read's outcome is judged (a blocking type's
 * watch or a polling one), is its {@link Delivery}'s, owned by whichever thread runs the current
 * step. A wait ends exactly once: whoever moves {@link #waits} on from the wait's number (a
 * store, the entry's removal, a timeout, a cancel) answers it. The entry's notices come outside
 * its monitor and may come late, after the wait they were for has ended and the next begun: a
 * notice counts only for a wait that was going on when it was judged and that had not seen its
 * store already, so a late one never hands an old value to a newer wait (which would take its
 * lower index for the source going back, and deliver it again, out of order).
 */
final class Watch implements Subscription, Follower {

    private final WatchSource source;
    final CacheRequest request;
    final RequestInfo info;
    /** What the listener has been told: the watched type, the correlation id, the index the next read must pass. */
    final Delivery delivery;
    /** Through ACTIVE for the one change (cancel); a field, not an AtomicBoolean: 16 bytes per watch. */
    private volatile boolean active = true;
    /** The scheduled next step, or the timeout of a wait: what {@link #cancel()} must stop. */
    private volatile @Nullable Future<?> pending;
    private static final VarHandle HELD;
    private static final VarHandle ACTIVE;
    private static final VarHandle WAITS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HELD = lookup.findVarHandle(Watch.class, "held", Entry.class);
            ACTIVE = lookup.findVarHandle(Watch.class, "active", boolean.class);
            WAITS = lookup.findVarHandle(Watch.class, "waits", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The entry the watch holds (see {@link #holding}), and the one a wait is on: a read holds the
     * entry before it waits on it. Null before the first read. Through HELD.
     */
    private volatile @Nullable Entry held;
    /**
     * Counts the watch's waits: odd while one goes on (the wait's number), even between. Moved on
     * from an odd number once, by whoever ends that wait ({@link #claim}); wrapping is harmless, as
     * waits are only told apart by parity and equality. Through WAITS.
     */
    private volatile int waits;
    /** The version of the snapshot the current wait began after: a notice of it, or of an older one, is not news. */
    private volatile int waitedFrom;
    /**
     * The running watches' list runs through the watches themselves: these are this one's
     * neighbours in it. Only {@link Watches} touches them, under its monitor.
     */
    @Nullable Watch newer;
    @Nullable Watch older;

    Watch(WatchSource source, CacheRequest request, RequestInfo info, Delivery delivery) {
        this.source = source;
        this.request = request;
        this.info = info;
        this.delivery = delivery;
    }

    void start() {
        step();
    }

    /** The cache's runtime, through the source: one field fewer per watch. */
    private CacheRuntime runtime() {
        return source.runtime();
    }

    private void step() {
        if (!active) {
            return;
        }
        if (info.consistent() && delivery.lastIndex() == 0) {
            // The first value is a consistent read's; the reads after it follow the entry, which
            // has reached that value's index by then.
            source.readConsistent(this).whenComplete(this::answer);
            return;
        }
        Result<Object> now;
        try {
            now = source.read(this);
        } catch (IllegalStateException closed) {
            cancel();
            return;
        }
        if (now != null) {
            answer(now, null);
        }
    }

    /**
     * Waits on {@code entry}, whose snapshot {@code seenVersion} did not answer the read: from
     * now on each store is judged by {@link #onStore}. Called by the read, which holds
     * {@code entry} already, never twice at once.
     */
    void follow(Entry entry, int seenVersion) {
        waitedFrom = seenVersion;
        int wait = waits + 1;
        waits = wait;
        Duration timeout = info.timeout();
        if (timeout != null) {
            // Like a caller's: at its own timeout the read gets the entry's value as it is.
            pending = runtime().schedule(timeout.toNanos(), () -> {
                if (claim(entry, wait)) {
                    answer(Results.of(delivery.type, entry.snapshot(), runtime().ticker()), null);
                }
            });
        }
        entry.follow(this, seenVersion);
        if (!active) {
            // cancel() ran meanwhile and may have missed the wait just begun.
            claim(entry, wait);
        }
    }

    /**
     * Holds {@code entry}, the one the watch reads, until it reads another or ends. The new
     * hold is taken before the last one goes, so an entry read again is never left unheld on
     * the way; an entry replaced since (evicted, expired) is held anew.
     */
    void holding(Entry entry) {
        if (held == entry) {
            return;
        }
        source.hold(entry);
        Entry previous = (Entry) HELD.getAndSet(this, entry);
        if (previous != null) {
            source.release(previous);
        }
        if (!active) {
            release();
        }
    }

    /**
     * Judges a store for the wait going on now, if the store is news to it: on the entry it waits
     * on, and newer than the snapshot it began after. Whatever the judgement, it answers only
     * that wait: should the wait end meanwhile, the claim fails.
     */
    @Override
    public void onStore(Entry entry, Snapshot snapshot) {
        int wait = waits;
        if ((wait & 1) == 0 || held != entry || !snapshot.newer(waitedFrom)) {
            return;
        }
        Freshness.afterStore(entry, snapshot, info, delivery.minIndex(), true, runtime().ticker(), (result, error) -> {
            if (claim(entry, wait)) {
                answer(result, error);
            }
        });
    }

    @Override
    public void entryRemoved(Entry entry, Snapshot last, boolean closing) {
        int wait = waits;
        if (held != entry || !claim(entry, wait)) {
            return;
        }
        if (closing) {
            cancel();
        } else {
            // The next read finds the entry's successor, made if need be.
            answer(Results.of(delivery.type, last, runtime().ticker()), null);
        }
    }

    @Override
    public boolean isCaller() {
        return false;
    }

    @Override
    public CompletableFuture<?> answerNow() {
        Entry entry = endWait();
        if (entry != null) {
            answer(Results.of(delivery.type, entry.snapshot(), runtime().ticker()), null);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Ends the wait going on now, if any: the entry it was on, for the caller to answer; else null. */
    private @Nullable Entry endWait() {
        int wait = waits;
        Entry entry = held;
        return entry != null && claim(entry, wait) ? entry : null;
    }

    @Override
    public boolean released() {
        return (waits & 1) == 0;
    }

    /**
     * Ends wait number {@code wait}, on {@code entry}: true for the one caller that does, who then
     * answers it; false once that wait is over, or when it is no wait (an even number).
     */
    private boolean claim(Entry entry, int wait) {
        if ((wait & 1) == 0 || !WAITS.compareAndSet(this, wait, wait + 1)) {
            return false;
        }
        entry.unfollow(this);
        Future<?> timeout = pending;
        if (timeout != null && info.timeout() != null) {
            timeout.cancel(false);
        }
        return true;
    }

    /**
     * A read answered: handled on the executor, never on the thread that answered. It may be
     * a fetch thread, and a slow listener must delay only its own watch, never the fetch that
     * serves every watcher of the entry.
     */
    private void answer(@Nullable Result<Object> result, @Nullable Throwable error) {
        runtime().execute(() -> afterRead(result, error));
    }

    private void afterRead(@Nullable Result<Object> result, @Nullable Throwable error) {
        if (!active) {
            return;
        }
        error = Futures.unwrap(error);
        boolean closed = error instanceof IllegalStateException && runtime().isClosed();
        if (error instanceof CancellationException || closed) {
            cancel();
            return;
        }
        long waitNanos = delivery.handleSafely(runtime().backoff(), result, error);
        if (waitNanos <= 0) {
            runtime().execute(this::step);
        } else {
            Future<?> next = runtime().schedule(waitNanos, this::step);
            pending = next;
            if (!active) {
                next.cancel(false);
            }
        }
    }

    @Override
    public void cancel() {
        if (ACTIVE.compareAndSet(this, true, false)) {
            Future<?> p = pending;
            if (p != null) {
                p.cancel(false);
            }
            endWait();
            release();
            source.ended(this);
        }
    }

    private void release() {
        Entry previous = (Entry) HELD.getAndSet(this, null);
        if (previous != null) {
            source.release(previous);
        }
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public String toString() {
        return "Watch[type=" + delivery.type.name + ", key=" + info.key() + ", correlationId=" + delivery.correlationId
                + ", active=" + active + "]";
    }
}
