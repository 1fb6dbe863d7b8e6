package io.watchcache.etcd;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A stream's watches by their etcd watch id: a list kept sorted by id and searched by halves. A
 * stream holds {@code watches-per-stream} watches (100 by default), so an insert that shifts the
 * tail costs little, less than what a hash map keeps per watch for as long as it is watched: a
 * node of 32 bytes and its table slot. Not thread-safe: the stream's lock guards it.
 *
 * @param <T> what is kept, each under an id of its own
 */
final class ById<T> {

    private final ToLongFunction<T> idOf;
    private final ArrayList<T> sorted = new ArrayList<>();

    ById(ToLongFunction<T> idOf) {
        this.idOf = idOf;
    }

    /** Keeps {@code item} under its id, in place of one kept under the same id. */
    void put(T item) {
        int at = find(idOf.applyAsLong(item));
        if (at >= 0) {
            sorted.set(at, item);
        } else {
            sorted.add(-at - 1, item);
        }
    }

    @Nullable T get(long id) {
        int at = find(id);
        return at >= 0 ? sorted.get(at) : null;
    }

    /** Removes what is kept under {@code id}, and returns it; null when nothing is. */
    @Nullable T remove(long id) {
        int at = find(id);
        return at >= 0 ? sorted.remove(at) : null;
    }

    int size() {
        return sorted.size();
    }

    /** What is kept, by id: a view. */
    List<T> values() {
        return Collections.unmodifiableList(sorted);
    }

    void clear() {
        sorted.clear();
    }

    /** The index of {@code id}, or {@code -(insertion point) - 1} when nothing is kept under it. */
    private int find(long id) {
        int low = 0;
        int high = sorted.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long found = idOf.applyAsLong(sorted.get(middle));
            if (found < id) {
                low = middle + 1;
            } else if (found > id) {
                high = middle - 1;
            } else {
                return middle;
            }
        }
        return -(low + 1);
    }
}
