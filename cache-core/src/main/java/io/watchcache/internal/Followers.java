package io.watchcache.internal;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The followers of one entry, each once, in the order they came. Most entries have none or one
 * (a watch); a hot key may have thousands of callers waiting. So the entry holds nothing for
 * none and the lone follower itself for one (see {@link #add(Object, Follower)}: an entry that is
 * only watched holds no collection); from two on it holds a {@code Followers}, where up to
 * {@value #SMALL} live in a small array and more move to a set, where leaving costs no scan. Not
 * thread-safe: the entry's monitor guards it.
 */
final class Followers {

    /**
     * Adds {@code follower} to what an entry holds ({@code held}: null for none, the lone
     * {@link Follower}, or a {@code Followers}); returns what it holds now.
     */
    static Object add(@Nullable Object held, Follower follower) {
        if (held == null) {
            return follower;
        }
        if (held instanceof Followers many) {
            many.add(follower);
            return many;
        }
        if (held.equals(follower)) {
            return held;
        }
        return new Followers((Follower) held, follower);
    }

    /** Removes {@code follower} from what an entry holds; returns what it holds now (null for none). */
    static @Nullable Object remove(@Nullable Object held, Follower follower) {
        if (held instanceof Followers many) {
            many.remove(follower);
            return many.size() == 0 ? null : many;
        }
        return follower.equals(held) ? null : held;
    }

    /** How many an entry holds. */
    static int size(@Nullable Object held) {
        return held == null ? 0 : held instanceof Followers many ? many.size() : 1;
    }

    /** A copy of what an entry holds, in the order they came, to use outside the monitor. */
    static List<Follower> copy(@Nullable Object held) {
        return held == null ? List.of() : held instanceof Followers many ? many.copy() : List.of((Follower) held);
    }

    static final int SMALL = 8;
    private static final Follower[] NONE = new Follower[0];

    /** The followers in the order they came, up to {@value #SMALL}; empty once they move to {@link #large}. */
    private Follower[] small;
    private int size;
    private @Nullable LinkedHashSet<Follower> large;

    /** An entry's first two followers. */
    Followers(Follower first, Follower second) {
        small = new Follower[] {first, second};
        size = 2;
    }

    void add(Follower follower) {
        if (large != null) {
            large.add(follower);
            return;
        }
        if (indexOf(follower) >= 0) {
            return;
        }
        Follower[] array = small;
        if (array.length == 0) {
            array = new Follower[2];
            small = array;
        } else if (size == array.length) {
            if (size == SMALL) {
                LinkedHashSet<Follower> set = new LinkedHashSet<>(Arrays.asList(array).subList(0, size));
                set.add(follower);
                large = set;
                small = NONE;
                size = 0;
                return;
            }
            array = Arrays.copyOf(array, Math.min(SMALL, size * 2));
            small = array;
        }
        array[size++] = follower;
    }

    void remove(Follower follower) {
        if (large != null) {
            large.remove(follower);
            return;
        }
        int at = indexOf(follower);
        if (at < 0) {
            return;
        }
        Follower[] array = small;
        System.arraycopy(array, at + 1, array, at, size - at - 1);
        array[--size] = null;
        if (size == 0) {
            small = NONE;
        }
    }

    int size() {
        return large != null ? large.size() : size;
    }

    /** A copy, in the order they came, to use outside the monitor. */
    List<Follower> copy() {
        if (large != null) {
            return new ArrayList<>(large);
        }
        List<Follower> copy = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            copy.add(small[i]);
        }
        return copy;
    }

    @Override
    public String toString() {
        return copy().toString();
    }

    private int indexOf(Follower follower) {
        Follower[] array = small;
        for (int i = 0; i < size; i++) {
            if (array[i].equals(follower)) {
                return i;
            }
        }
        return -1;
    }
}
