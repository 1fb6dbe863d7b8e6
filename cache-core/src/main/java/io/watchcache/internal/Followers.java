package io.watchcache.internal;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The followers of one entry, each once, in the order they came. Most entries have none or one
 * (a watch); a hot key may have thousands of callers waiting. So a lone follower is kept in a
 * field (an empty or watched entry holds no array), up to {@value #SMALL} live in a small array,
 * and more move to a set, where leaving costs no scan. Not thread-safe: the entry's monitor
 * guards it.
 */
final class Followers {

    static final int SMALL = 8;
    private static final Follower[] NONE = new Follower[0];

    /** The only follower, while there is just one: then {@code small} is empty and {@code large} null. */
    private @Nullable Follower one;
    private Follower[] small = NONE;
    private int size;
    private @Nullable LinkedHashSet<Follower> large;

    void add(Follower follower) {
        if (large != null) {
            large.add(follower);
            return;
        }
        if (one != null) {
            if (one.equals(follower)) {
                return;
            }
            // A second one: both move to the array.
            small = new Follower[2];
            small[0] = one;
            size = 1;
            one = null;
        } else if (size == 0) {
            one = follower;
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
        if (one != null) {
            if (one.equals(follower)) {
                one = null;
            }
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
        return large != null ? large.size() : one != null ? 1 : size;
    }

    /** A copy, in the order they came, to use outside the monitor. */
    List<Follower> copy() {
        if (large != null) {
            return new ArrayList<>(large);
        }
        if (one != null) {
            return List.of(one);
        }
        List<Follower> copy = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            copy.add(small[i]);
        }
        return copy;
    }

    void clear() {
        one = null;
        small = NONE;
        large = null;
        size = 0;
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
