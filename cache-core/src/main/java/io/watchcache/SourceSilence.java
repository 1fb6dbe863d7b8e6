package io.watchcache;

import java.time.Duration;

/**
 * Implemented by a fetch error whose source had stopped answering some time before the fetch
 * failed with it. A type that waits out a short grace before it reports a silence (a watch stream
 * that fails over to another member is not an outage) reports it late; the entry's lost contact
 * then counts from when the source went silent, not from when the type gave up waiting, so the
 * {@code watchcache.lost.contact} flag, a result's age and the health threshold tell the truth.
 *
 * <p>Only the start of an episode moves: an entry that already lost contact keeps its own start.
 */
public interface SourceSilence {

    /** How long the source had been silent when this error was made; zero or more. */
    Duration silentFor();
}
