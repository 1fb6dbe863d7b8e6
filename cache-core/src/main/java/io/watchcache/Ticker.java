package io.watchcache;

/**
 * The cache's one source of time, in nanoseconds from an arbitrary origin (like
 * {@link System#nanoTime()}). Injectable so that tests can reason about ages and expiry.
 */
@FunctionalInterface
public interface Ticker {

    long read();

    /** {@link System#nanoTime()}; always the same instance. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }

    /** The system ticker as a constant, so the cache can tell it from an injected one. */
    enum SystemTicker implements Ticker {
        INSTANCE;

        @Override
        public long read() {
            return System.nanoTime();
        }
    }
}
