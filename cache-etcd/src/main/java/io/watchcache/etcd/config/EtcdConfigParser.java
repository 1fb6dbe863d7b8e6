package io.watchcache.etcd.config;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.ClassUtils;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns the keys under a prefix into properties. A key's path below the prefix is the property
 * name, with {@code /} read as {@code .} ({@code config/app/server/port} and
 * {@code config/app/server.port} are both {@code server.port}); a key ending in {@code .yml},
 * {@code .yaml} or {@code .properties} holds a whole file, parsed as such. Single keys win over
 * files, and files are applied in key order.
 */
final class EtcdConfigParser {

    private static final boolean YAML = ClassUtils.isPresent("org.yaml.snakeyaml.Yaml",
            EtcdConfigParser.class.getClassLoader());

    /** The properties, and the keys that did not parse (key to why). */
    record Parsed(Map<String, Object> properties, SortedMap<String, String> errors) {

        boolean ok() {
            return errors.isEmpty();
        }
    }

    private EtcdConfigParser() {
    }

    /** @param entries full etcd key to value, every key under {@code prefix} */
    static Parsed parse(String prefix, Map<String, String> entries) {
        Map<String, Object> fromFiles = new LinkedHashMap<>();
        Map<String, Object> single = new LinkedHashMap<>();
        SortedMap<String, String> errors = new TreeMap<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(entries).entrySet()) {
            String key = entry.getKey();
            if (!key.startsWith(prefix)) {
                continue;
            }
            String path = key.substring(prefix.length());
            if (path.isEmpty() || path.endsWith("/")) {
                continue;
            }
            PropertySourceLoader loader = loaderFor(path);
            if (loader == null) {
                single.put(path.replace('/', '.'), entry.getValue());
                continue;
            }
            if (loader instanceof YamlPropertySourceLoader && !YAML) {
                errors.put(key, "YAML needs org.yaml:snakeyaml on the classpath");
                continue;
            }
            try {
                for (PropertySource<?> document : loader.load(key, new ByteArrayResource(
                        entry.getValue().getBytes(StandardCharsets.UTF_8), "etcd key " + key))) {
                    if (document instanceof EnumerablePropertySource<?> enumerable) {
                        for (String name : enumerable.getPropertyNames()) {
                            Object value = enumerable.getProperty(name);
                            fromFiles.put(name, value == null ? "" : value.toString());
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                String where = YAML ? YamlMarks.where(e) : null;
                errors.put(key, where != null ? where : firstLine(e.getMessage() == null ? e.toString()
                        : e.getMessage()));
            }
        }
        Map<String, Object> properties = new LinkedHashMap<>(fromFiles);
        properties.putAll(single);
        return new Parsed(properties, errors);
    }

    /** Where SnakeYAML says a document is wrong; apart, so nothing loads its classes when it is absent. */
    private static final class YamlMarks {

        /** "line 3, column 9: expected ',' or ']', but got <stream end> (while parsing a flow sequence)", or null. */
        static @Nullable String where(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                    Mark mark = marked.getProblemMark();
                    return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": "
                            + marked.getProblem() + (marked.getContext() == null ? "" : " (" + marked.getContext()
                            + ")");
                }
            }
            return null;
        }
    }

    private static @Nullable PropertySourceLoader loaderFor(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".yml") || lower.endsWith(".yaml")) {
            return new YamlPropertySourceLoader();
        }
        if (lower.endsWith(".properties")) {
            return new PropertiesPropertySourceLoader();
        }
        return null;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
