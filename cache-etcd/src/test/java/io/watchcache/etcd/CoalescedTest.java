package io.watchcache.etcd;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared reads for consistent reads: one in flight, the next for all who asked meanwhile, never an earlier one. */
class CoalescedTest {

    private final List<CompletableFuture<Long>> sent = new ArrayList<>();
    private final Coalesced<Long> reads = new Coalesced<>(() -> {
        CompletableFuture<Long> read = new CompletableFuture<>();
        sent.add(read);
        return read;
    });

    @Test
    void whoeverAsksWhileTwoReadsAreInFlightSharesTheNextOneNeverThoseOnes() {
        CompletableFuture<Long> first = reads.get();
        CompletableFuture<Long> second = reads.get();
        CompletableFuture<Long> third = reads.get();
        CompletableFuture<Long> fourth = reads.get();
        assertThat(sent).as("two in flight, each its own").hasSize(2);

        sent.get(0).complete(10L);

        assertThat(first).isCompletedWithValue(10L);
        // Asked after the first reads went out: those may have been served before they asked.
        assertThat(third).isNotDone();
        assertThat(fourth).isNotDone();
        assertThat(sent).hasSize(3);
        sent.get(1).complete(11L);
        assertThat(second).isCompletedWithValue(11L);
        assertThat(third).isNotDone();
        sent.get(2).complete(12L);
        assertThat(third).isCompletedWithValue(12L);
        assertThat(fourth).isCompletedWithValue(12L);
        assertThat(reads.sent()).isEqualTo(3);

        // Nothing in flight: the next asker sends at once.
        CompletableFuture<Long> fifth = reads.get();
        assertThat(sent).hasSize(4);
        sent.get(3).complete(13L);
        assertThat(fifth).isCompletedWithValue(13L);
    }

    @Test
    void anAskerThatGivesUpLeavesTheSharedReadToTheOthers() {
        reads.get();
        reads.get();
        CompletableFuture<Long> quitter = reads.get();
        CompletableFuture<Long> patient = reads.get();
        sent.get(0).complete(1L);

        quitter.cancel(false);
        sent.get(2).complete(2L);

        assertThat(patient).isCompletedWithValue(2L);
    }

    @Test
    void aFailedReadFailsItsAskersAndTheNextIsStillSent() {
        CompletableFuture<Long> first = reads.get();
        reads.get();
        CompletableFuture<Long> third = reads.get();
        sent.get(0).completeExceptionally(new IllegalStateException("no leader"));

        assertThat(first).isCompletedExceptionally();
        assertThat(sent).hasSize(3);
        sent.get(2).complete(5L);
        assertThat(third).isCompletedWithValue(5L);
    }
}
