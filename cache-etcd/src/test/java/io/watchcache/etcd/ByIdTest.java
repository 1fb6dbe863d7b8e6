package io.watchcache.etcd;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A stream's index of watches by id answers as a map of id to watch would, whatever the order of ids. */
class ByIdTest {

    record Watch(long id, String name) {
    }

    @Test
    void itAnswersLikeAMapForIdsPutAndRemovedInAnyOrder() {
        ById<Watch> byId = new ById<>(Watch::id);
        Map<Long, Watch> expected = new HashMap<>();
        Random random = new Random(42);
        List<Long> ids = new ArrayList<>();
        for (long id = 0; id < 300; id++) {
            ids.add(id * 3);
        }
        Collections.shuffle(ids, random);
        for (long id : ids) {
            Watch watch = new Watch(id, "w" + id);
            byId.put(watch);
            expected.put(id, watch);
            if (random.nextInt(3) == 0) {
                long gone = ids.get(random.nextInt(ids.size()));
                assertThat(byId.remove(gone)).isEqualTo(expected.remove(gone));
            }
        }

        assertThat(byId.size()).isEqualTo(expected.size());
        for (long id = -1; id < 901; id++) {
            assertThat(byId.get(id)).isEqualTo(expected.get(id));
        }
        assertThat(byId.values()).containsExactlyInAnyOrderElementsOf(expected.values())
                .isSortedAccordingTo((a, b) -> Long.compare(a.id(), b.id()));
        byId.put(new Watch(3, "again"));
        assertThat(byId.get(3).name()).isEqualTo("again");
        assertThat(byId.size()).isEqualTo(expected.size() + (expected.containsKey(3L) ? 0 : 1));
        byId.clear();
        assertThat(byId.size()).isZero();
        assertThat(byId.get(3)).isNull();
    }
}
