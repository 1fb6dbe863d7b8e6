package io.watchcache.internal;

import io.watchcache.Ticker;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The system time, read from a volatile that the timer thread refreshes every
 * {@link #RESOLUTION_MILLIS} ms. Entry expiry needs no better: TTLs are minutes to hours,
 * while {@link System#nanoTime()} costs as much as a whole cache hit on some machines
 * (33 ns on the 2-core VMs we measure on), and every hit would otherwise pay it for its use.
 */
final class CoarseTicker implements Ticker {

    static final long RESOLUTION_MILLIS = 50;

    private volatile long now = System.nanoTime();

    CoarseTicker(ScheduledExecutorService timer) {
        timer.scheduleAtFixedRate(() -> now = System.nanoTime(), RESOLUTION_MILLIS, RESOLUTION_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public long read() {
        return now;
    }
}
