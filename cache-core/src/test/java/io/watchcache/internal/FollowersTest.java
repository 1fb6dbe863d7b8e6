package io.watchcache.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** An entry's followers: each once, in the order they came, from none to thousands and back. */
class FollowersTest {

    @Test
    void anEntryHoldsNothingForNoneTheFollowerItselfForOneAndACollectionFromTwoOn() {
        Follower watch = follower();
        Follower caller = follower();
        Object held = Followers.add(null, watch);
        assertThat(held).as("a watched entry holds no collection").isSameAs(watch);
        assertThat(Followers.add(held, watch)).as("each once").isSameAs(watch);
        assertThat(Followers.size(held)).isOne();
        assertThat(Followers.copy(held)).containsExactly(watch);

        held = Followers.add(held, caller);
        assertThat(held).isInstanceOf(Followers.class);
        assertThat(Followers.copy(held)).containsExactly(watch, caller);
        assertThat(Followers.size(held)).isEqualTo(2);

        held = Followers.remove(held, watch);
        assertThat(Followers.copy(held)).containsExactly(caller);
        held = Followers.remove(held, caller);
        assertThat(held).isNull();
        assertThat(Followers.size(held)).isZero();
        assertThat(Followers.copy(held)).isEmpty();
        assertThat(Followers.remove(Followers.add(null, watch), caller)).as("a stranger leaves nothing out")
                .isSameAs(watch);
    }

    @Test
    void eachFollowerOnceInArrivalOrderAcrossTheSwitchToASetAndBack() {
        List<Follower> all = new ArrayList<>(List.of(follower(), follower()));
        Followers followers = new Followers(all.get(0), all.get(1));
        for (int n = 2; n < 3 * Followers.SMALL; n++) {
            Follower follower = follower();
            all.add(follower);
            followers.add(follower);
            followers.add(follower);
            assertThat(followers.size()).isEqualTo(n + 1);
            assertThat(followers.copy()).isEqualTo(all);
        }
        // Leaving from the middle, the front and the back keeps the others' order.
        for (Follower leaving : List.of(all.get(5), all.get(0), all.get(all.size() - 1))) {
            followers.remove(leaving);
            all.remove(leaving);
            assertThat(followers.copy()).isEqualTo(all);
        }
        followers.remove(follower());
        assertThat(followers.size()).isEqualTo(all.size());
        all.forEach(followers::remove);
        assertThat(followers.size()).isZero();
        assertThat(followers.copy()).isEmpty();
    }

    @Test
    void aSmallSetShrinksToNothingAndGrowsAgainEachFollowerOnce() {
        Follower a = follower();
        Follower b = follower();
        Followers followers = new Followers(a, b);
        followers.add(a);
        followers.add(b);
        assertThat(followers.copy()).as("each once").containsExactly(a, b);
        followers.remove(a);
        assertThat(followers.copy()).containsExactly(b);
        followers.remove(b);
        followers.remove(b);
        assertThat(followers.size()).isZero();
        followers.add(a);
        followers.add(a);
        assertThat(followers.copy()).containsExactly(a);
        followers.add(b);
        assertThat(followers.copy()).containsExactly(a, b);
        assertThat(followers.toString()).startsWith("[").endsWith("]");
    }

    private static Follower follower() {
        return new Follower() {
            @Override
            public void onStore(Entry entry, Snapshot snapshot) {
            }

            @Override
            public void entryRemoved(Entry entry, Snapshot last, boolean closing) {
            }

            @Override
            public boolean isCaller() {
                return false;
            }

            @Override
            public CompletableFuture<?> answerNow() {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public boolean released() {
                return false;
            }
        };
    }
}
