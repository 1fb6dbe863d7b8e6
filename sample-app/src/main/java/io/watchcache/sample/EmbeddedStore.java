package io.watchcache.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An in-process, index-versioned key-value store with blocking reads: the backend the sample
 * runs on when no etcd is configured. Like etcd, one counter versions every write; a key's
 * index is the counter value of its last put or delete, and a key never written reads as
 * absent at index 1 (so the first write, at 2, is a change).
 *
 * <p>A blocking read is a future, not a thread: it completes when the key's index passes the
 * caller's, or at the timeout with the current version. Cancelling it forgets the waiter.
 */
public class EmbeddedStore implements AutoCloseable {

    /** A key's version; {@code value} is null when the key is absent. */
    public record Versioned(String value, long index) {
    }

    private static final Versioned NEVER_WRITTEN = new Versioned(null, 1);

    private final ScheduledThreadPoolExecutor timeouts;
    // Guarded by this.
    private final Map<String, Versioned> data = new HashMap<>();
    private final Map<String, List<CompletableFuture<Versioned>>> waiters = new HashMap<>();
    private long revision = 1;

    public EmbeddedStore() {
        timeouts = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "embedded-store-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        timeouts.setRemoveOnCancelPolicy(true);
    }

    /** Writes {@code value} and returns its index. */
    public long put(String key, String value) {
        Objects.requireNonNull(value, "value");
        return write(key, value);
    }

    /** Deletes {@code key}; a delete of an absent key changes nothing. Returns the key's index. */
    public long delete(String key) {
        return write(key, null);
    }

    /** Writes a value, or a tombstone for {@code null}; deleting an absent key writes nothing. */
    private long write(String key, String value) {
        Objects.requireNonNull(key, "key");
        List<CompletableFuture<Versioned>> woken;
        Versioned written;
        synchronized (this) {
            Versioned current = data.getOrDefault(key, NEVER_WRITTEN);
            // Checked under the same lock as the write: two deletes must not both bump the index.
            if (value == null && current.value() == null) {
                return current.index();
            }
            revision++;
            written = new Versioned(value, revision);
            data.put(key, written);
            woken = waiters.remove(key);
        }
        // Complete outside the lock: completions run the readers' callbacks.
        if (woken != null) {
            woken.forEach(w -> w.complete(written));
        }
        return written.index();
    }

    public synchronized Versioned get(String key) {
        return data.getOrDefault(key, NEVER_WRITTEN);
    }

    /**
     * The key's version once its index is greater than {@code minIndex} (at once for 0), or the
     * current version when {@code timeout} passes first.
     */
    public CompletableFuture<Versioned> read(String key, long minIndex, Duration timeout) {
        CompletableFuture<Versioned> waiter;
        synchronized (this) {
            Versioned current = data.getOrDefault(key, NEVER_WRITTEN);
            if (minIndex == 0 || current.index() > minIndex) {
                return CompletableFuture.completedFuture(current);
            }
            waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(key, k -> new ArrayList<>()).add(waiter);
        }
        var timer = timeouts.schedule(() -> waiter.complete(get(key)), timeout.toMillis(), TimeUnit.MILLISECONDS);
        waiter.whenComplete((v, e) -> {
            timer.cancel(false);
            forget(key, waiter);
        });
        return waiter;
    }

    /** Blocking reads waiting right now, over all keys. */
    public synchronized int waiting() {
        return waiters.values().stream().mapToInt(List::size).sum();
    }

    private synchronized void forget(String key, CompletableFuture<Versioned> waiter) {
        List<CompletableFuture<Versioned>> list = waiters.get(key);
        if (list != null) {
            list.remove(waiter);
            if (list.isEmpty()) {
                waiters.remove(key);
            }
        }
    }

    @Override
    public void close() {
        timeouts.shutdownNow();
    }
}
