package io.watchcache.etcd;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A one-key content is a map like any other to whoever reads it. */
class OneItemTest {

    @Test
    void itKeepsTheMapContractOfTheOneEntryItHolds() {
        RangeContent.Item item = new RangeContent.Item("v", 7);
        RangeContent.OneItem one = new RangeContent.OneItem("k", item);
        Map<String, RangeContent.Item> same = Map.of("k", item);

        assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).hasSize(1).containsEntry("k", item);
        assertThat(same).isEqualTo(one);
        assertThat(new HashMap<>(one)).isEqualTo(same);
        assertThat(one.get("other")).isNull();
        assertThat(one.containsKey("k")).isTrue();
        assertThat(one.containsValue(new RangeContent.Item("v", 8))).isFalse();
        assertThat(one).isNotEqualTo(Map.of("k", new RangeContent.Item("v", 8)));
        assertThat(one).isNotEqualTo(Map.of("k", item, "l", item));
        assertThat(one.toString()).isEqualTo(same.toString());
        assertThatThrownBy(() -> one.put("k", item)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> one.remove("k")).isInstanceOf(UnsupportedOperationException.class);
    }
}
