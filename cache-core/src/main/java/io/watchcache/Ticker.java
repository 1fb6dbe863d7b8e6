package io.watchcache;

/**
 * The cache's one source of time, in nanoseconds from an arbitrary origin (like
 * {@link System#nanoTime()}). Injectable so that tests can reason about ages and expiry.
 */
@FunctionalInterface
public interface Ticker {

    long read();

    static Ticker system() {
        return System::nanoTime;
    }
}
