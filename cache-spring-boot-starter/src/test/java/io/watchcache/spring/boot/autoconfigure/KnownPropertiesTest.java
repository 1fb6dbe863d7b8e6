package io.watchcache.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast form of "is this key known" (the property names as the metadata writes them) beside
 * the rule (Boot's reading of the metadata): the fast form only ever accepts a key the rule
 * accepts, and every key the rule accepts is accepted.
 */
class KnownPropertiesTest {

    private final KnownProperties properties = KnownProperties.under("watchcache", getClass().getClassLoader());

    /** What Boot's reading of the metadata says of {@code key}, without the fast form. */
    private boolean ruleAccepts(ConfigurationPropertyName key) {
        return properties.known().stream().anyMatch(k -> k.accepts(key));
    }

    @Test
    void everyKeyTheRuleKnowsIsAcceptedAndTheFastFormAcceptsNothingElse() {
        List<ConfigurationPropertyName> keys = new ArrayList<>();
        for (KnownProperties.Known known : properties.known()) {
            keys.add(known.name());
            // A map key or list index below a container, a child of a leaf, a relaxed spelling.
            keys.add(ConfigurationPropertyName.of(known.written() + ".some-key"));
            keys.add(ConfigurationPropertyName.of(known.written() + "[0]"));
            keys.add(ConfigurationPropertyName.adapt(known.written().replace("-", ""), '.'));
        }
        // Groups are prefixes, not properties; typos; a key of another prefix.
        for (String other : List.of("watchcache", "watchcache.etcd", "watchcache.backoff", "watchcache.max-entires",
                "watchcache.etcd.endpoint", "management.endpoint.watchcache.show-values")) {
            keys.add(ConfigurationPropertyName.of(other));
        }
        assertThat(properties.known()).hasSizeGreaterThan(10);

        for (ConfigurationPropertyName key : keys) {
            assertThat(properties.accepts(key)).as(key.toString()).isEqualTo(ruleAccepts(key));
        }
        assertThat(properties.accepts(ConfigurationPropertyName.of("watchcache.max-entries"))).isTrue();
        assertThat(properties.accepts(ConfigurationPropertyName.of("watchcache.max-entires"))).isFalse();
    }

    @Test
    void theFastFormReadsOnlyThePropertiesArray() {
        String json = """
                {
                  "groups": [ { "name": "watchcache.group", "type": "x.Group" } ],
                  "properties": [
                    { "name": "watchcache.a", "type": "java.lang.String",
                      "description": "Not \\"name\\": \\"watchcache.quoted\\", nor ] or }." },
                    { "name": "watchcache.b", "type": "java.util.List<java.lang.String>",
                      "defaultValue": ["[", "{"], "deprecation": { "replacement": "watchcache.a" } }
                  ],
                  "hints": [ { "name": "watchcache.hinted", "values": [ { "value": "x" } ] } ]
                }
                """;

        assertThat(KnownProperties.propertyNames(json)).containsExactlyInAnyOrder("watchcache.a", "watchcache.b");
        assertThat(KnownProperties.propertyNames("{\"groups\": []}")).isEmpty();
    }
}
