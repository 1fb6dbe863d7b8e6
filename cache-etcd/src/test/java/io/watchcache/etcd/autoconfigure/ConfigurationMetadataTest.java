package io.watchcache.etcd.autoconfigure;

import io.watchcache.spring.boot.autoconfigure.WatchCacheProperties;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the starter and cache-etcd ship (what IDEs complete from, and
 * what the strict check reads its known keys from): every property has a description, and a
 * default wherever the properties class has one, equal to it (the actuator's
 * {@code management.endpoint.watchcache.*} defaults come from Boot's own processing of the endpoint).
 */
class ConfigurationMetadataTest {

    /** Each properties class, by its prefix: the defaults the metadata must state. */
    private static final Map<String, Object> BEANS = Map.of(
            "watchcache.etcd.", new EtcdProperties(),
            "watchcache.", new WatchCacheProperties());

    @Test
    void everyPropertyHasADescriptionAndItsDefault() throws Exception {
        Map<String, ConfigurationMetadataProperty> properties = metadata();
        assertThat(properties).containsKeys("watchcache.max-entries", "watchcache.etcd.request-timeout",
                "management.endpoint.watchcache.show-values");
        List<String> problems = new ArrayList<>();
        for (ConfigurationMetadataProperty property : properties.values()) {
            String name = property.getId();
            if (!name.startsWith("watchcache.") && !name.contains(".watchcache")) {
                continue;
            }
            if (property.getDescription() == null || property.getDescription().isBlank()) {
                problems.add(name + ": no description");
            }
            Object actual = defaultOf(name);
            if (actual == null || actual instanceof Collection<?> c && c.isEmpty() || actual instanceof Map<?, ?>) {
                continue;
            }
            Object declared = property.getDefaultValue();
            if (declared == null) {
                problems.add(name + ": no defaultValue; the default is " + actual);
            } else if (!actual.equals(ApplicationConversionService.getSharedInstance().convert(declared,
                    actual.getClass()))) {
                problems.add(name + ": defaultValue " + declared + ", but the default is " + actual);
            }
        }
        assertThat(problems).isEmpty();
    }

    private static Object defaultOf(String name) {
        String prefix = BEANS.keySet().stream().filter(name::startsWith)
                .max((a, b) -> a.length() - b.length()).orElse(null);
        if (prefix == null) {
            return null;
        }
        BeanWrapper bean = new BeanWrapperImpl(BEANS.get(prefix));
        String path = camel(name.substring(prefix.length()));
        return bean.isReadableProperty(path) ? bean.getPropertyValue(path) : null;
    }

    private static String camel(String kebab) {
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }

    private static Map<String, ConfigurationMetadataProperty> metadata() throws Exception {
        ConfigurationMetadataRepositoryJsonBuilder builder = ConfigurationMetadataRepositoryJsonBuilder.create();
        for (Resource resource : new PathMatchingResourcePatternResolver()
                .getResources("classpath*:META-INF/spring-configuration-metadata.json")) {
            try (InputStream in = resource.getInputStream()) {
                builder.withJsonResource(in);
            }
        }
        return new TreeMap<>(builder.build().getAllProperties());
    }
}
