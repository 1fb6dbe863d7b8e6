package io.watchcache.bench;

import java.util.Arrays;

/** A growable list of long samples (nanoseconds) with percentiles; thread-safe. */
final class LongSamples {

    private long[] values = new long[1024];
    private int size;

    synchronized void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    synchronized int size() {
        return size;
    }

    /** The p-th percentile (0..100), or NaN without samples. */
    synchronized double percentile(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * size) - 1;
        return sorted[Math.max(0, Math.min(size - 1, rank))];
    }

    static double median(double[] runs) {
        double[] sorted = runs.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
