package io.watchcache.sample;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedStoreTest {

    private final EmbeddedStore store = new EmbeddedStore();

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aKeyNeverWrittenIsAbsentAtIndexOneAndWritesMoveItsIndex() {
        assertThat(store.get("k")).isEqualTo(new EmbeddedStore.Versioned(null, 1));
        long first = store.put("k", "a");
        long other = store.put("other", "x");
        long second = store.put("k", "b");

        assertThat(first).isEqualTo(2);
        assertThat(other).isEqualTo(3);
        assertThat(second).isEqualTo(4);
        assertThat(store.get("k")).isEqualTo(new EmbeddedStore.Versioned("b", 4));
    }

    @Test
    void aBlockingReadCompletesOnTheNextWriteOfItsKeyOnly() throws Exception {
        long index = store.put("k", "a");
        CompletableFuture<EmbeddedStore.Versioned> read = store.read("k", index, Duration.ofSeconds(30));

        store.put("other", "x");
        assertThat(read).isNotDone();
        store.put("k", "b");

        assertThat(read.get(1, TimeUnit.SECONDS).value()).isEqualTo("b");
        assertThat(store.waiting()).isZero();
    }

    @Test
    void aReadBelowTheCurrentIndexOrAtZeroAnswersAtOnce() {
        store.put("k", "a");
        long index = store.put("k", "b");

        assertThat(store.read("k", 0, Duration.ofSeconds(1))).isCompletedWithValue(new EmbeddedStore.Versioned("b",
                index));
        assertThat(store.read("k", index - 1, Duration.ofSeconds(1))).isCompleted();
    }

    @Test
    void aTimedOutReadReturnsTheCurrentVersion() throws Exception {
        long index = store.put("k", "a");

        EmbeddedStore.Versioned result = store.read("k", index, Duration.ofMillis(200)).get(5, TimeUnit.SECONDS);

        assertThat(result).isEqualTo(new EmbeddedStore.Versioned("a", index));
        assertThat(store.waiting()).isZero();
    }

    @Test
    void deleteIsAChangeAndDeletingAnAbsentKeyIsNot() throws Exception {
        long index = store.put("k", "a");
        CompletableFuture<EmbeddedStore.Versioned> read = store.read("k", index, Duration.ofSeconds(30));

        long deleted = store.delete("k");

        assertThat(read.get(1, TimeUnit.SECONDS)).isEqualTo(new EmbeddedStore.Versioned(null, deleted));
        assertThat(store.delete("k")).isEqualTo(deleted);
        assertThat(store.delete("never")).isEqualTo(1);
    }

    @Test
    void aCancelledReadIsForgotten() {
        long index = store.put("k", "a");
        CompletableFuture<EmbeddedStore.Versioned> read = store.read("k", index, Duration.ofMinutes(5));
        assertThat(store.waiting()).isEqualTo(1);

        read.cancel(false);

        assertThat(store.waiting()).isZero();
    }
}
