package io.watchcache;

/** A running watch. Cancelling it is idempotent and leaves no thread or timer behind. */
public interface Subscription extends AutoCloseable {

    void cancel();

    boolean isActive();

    /** The same as {@link #cancel()}. */
    @Override
    default void close() {
        cancel();
    }
}
