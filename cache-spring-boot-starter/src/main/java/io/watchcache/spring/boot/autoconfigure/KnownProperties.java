package io.watchcache.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The properties under a prefix that something binds, read from the configuration metadata
 * every module ships ({@code META-INF/spring-configuration-metadata.json}, the file IDEs
 * complete from). The starter's and cache-etcd's own classes generate it at build time, so a
 * key is known here exactly when it binds to a field.
 *
 * <p>The rule is Boot's reading of the metadata ({@link #known()}), but reading it costs 30–40 ms
 * of a cold start. A key written as the metadata names a property, the common case, is accepted
 * from the property names alone ({@link #declared}), and Boot's reading is made only when a key is
 * not ({@code KnownPropertiesTest} checks that both agree on every key).
 */
final class KnownProperties {

    /** One property: its name, and whether it takes keys or indexes below it (a map, list or array). */
    record Known(ConfigurationPropertyName name, String written, boolean container) {

        boolean accepts(ConfigurationPropertyName configured) {
            return name.equals(configured) || (container && name.isAncestorOf(configured));
        }
    }

    static final String METADATA = "META-INF/spring-configuration-metadata.json";

    /** A property's name in a metadata file's {@code properties} array (names have no quotes or escapes). */
    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"\\\\]*)\"");
    private static final Pattern PROPERTIES = Pattern.compile("\"properties\"\\s*:\\s*\\[");

    private final ConfigurationPropertyName root;
    /** The metadata files that name keys under the prefix, as read. */
    private final List<String> metadata;
    /** The names of the properties they declare under the prefix, as written there. */
    private final Set<String> declared;
    /** Boot's reading of {@link #metadata}: made when first needed ({@link #known()}). */
    private volatile @Nullable List<Known> known;

    private KnownProperties(ConfigurationPropertyName root, List<String> metadata) {
        this.root = root;
        this.metadata = List.copyOf(metadata);
        Set<String> names = new HashSet<>();
        for (String json : metadata) {
            for (String name : propertyNames(json)) {
                if (name.startsWith(root + ".")) {
                    names.add(name);
                }
            }
        }
        this.declared = Set.copyOf(names);
    }

    /** The properties under {@code prefix} in every metadata file on the class path. */
    static KnownProperties under(String prefix, @Nullable ClassLoader classLoader) {
        List<String> ours = new ArrayList<>();
        try {
            for (Resource resource : new PathMatchingResourcePatternResolver(classLoader)
                    .getResources("classpath*:" + METADATA)) {
                String json;
                try (InputStream in = resource.getInputStream()) {
                    json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                // Only our modules' files name keys under the prefix: Boot's own (thousands of
                // properties) are not worth parsing at every startup.
                if (json.contains("\"" + prefix + ".")) {
                    ours.add(json);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + METADATA, e);
        }
        return new KnownProperties(ConfigurationPropertyName.of(prefix), ours);
    }

    /** Whether no module's metadata names a key under the prefix. */
    boolean isEmpty() {
        return metadata.isEmpty();
    }

    /** Whether {@code configured} binds to one of the known properties (in any of Boot's relaxed forms). */
    boolean accepts(ConfigurationPropertyName configured) {
        // The fast form: named as written in the metadata, it is that property (and Boot's rule
        // agrees); anything else (a relaxed spelling, a map key, a list index, a typo) asks the rule.
        return declared.contains(configured.toString()) || known().stream().anyMatch(k -> k.accepts(configured));
    }

    /** Boot's reading of the metadata: the properties under the prefix, by name. */
    List<Known> known() {
        List<Known> read = known;
        if (read == null) {
            read = read(root, metadata);
            known = read;
        }
        return read;
    }

    private static List<Known> read(ConfigurationPropertyName root, List<String> metadata) {
        List<Known> known = new ArrayList<>();
        ConfigurationMetadataRepositoryJsonBuilder builder = ConfigurationMetadataRepositoryJsonBuilder.create();
        try {
            for (String json : metadata) {
                builder.withJsonResource(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + METADATA, e);
        }
        for (ConfigurationMetadataProperty property : builder.build().getAllProperties().values()) {
            String name = property.getId();
            if (ConfigurationPropertyName.isValid(name) && root.isAncestorOf(ConfigurationPropertyName.of(name))) {
                known.add(new Known(ConfigurationPropertyName.of(name), name,
                        isContainer(String.valueOf(property.getType()))));
            }
        }
        known.sort(Comparator.comparing(Known::written));
        return List.copyOf(known);
    }

    /**
     * The names in the {@code properties} array of one metadata file. A quote inside a JSON
     * string is escaped, so the patterns never match inside a description; the array ends where
     * its bracket closes, strings skipped. Groups and hints, outside it, are not properties.
     */
    static Set<String> propertyNames(String json) {
        Matcher start = PROPERTIES.matcher(json);
        if (!start.find()) {
            return Set.of();
        }
        int from = start.end();
        int depth = 1;
        boolean inString = false;
        int at = from;
        for (; at < json.length() && depth > 0; at++) {
            char c = json.charAt(at);
            if (inString) {
                if (c == '\\') {
                    at++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        Set<String> names = new HashSet<>();
        Matcher name = NAME.matcher(json).region(from, at);
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }

    /**
     * The known property nearest to {@code configured} as written, when it is close enough to be
     * a typo (a few letters left out, added, changed or swapped).
     */
    @Nullable String nearest(ConfigurationPropertyName configured) {
        String typed = squash(configured.toString());
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Known candidate : known()) {
            int distance = distance(typed, squash(candidate.written()));
            if (distance < bestDistance) {
                best = candidate.written();
                bestDistance = distance;
            }
        }
        String tail = typed.substring(typed.lastIndexOf('.') + 1);
        return best != null && bestDistance <= Math.max(2, tail.length() / 3) ? best : null;
    }

    /** The known keys directly below {@code parent} (the valid spellings a report can list). */
    List<String> children(ConfigurationPropertyName parent) {
        return known().stream().filter(k -> parent.isParentOf(k.name()))
                .map(k -> k.written().substring(k.written().lastIndexOf('.') + 1)).toList();
    }

    /** Boot binds {@code max-entries}, {@code maxEntries} and {@code MAXENTRIES} alike; so does the comparison. */
    private static String squash(String name) {
        return name.replace("-", "").toLowerCase(Locale.ROOT);
    }

    private static boolean isContainer(String type) {
        return type.startsWith("java.util.Map") || type.startsWith("java.util.List")
                || type.startsWith("java.util.Set") || type.startsWith("java.util.Collection") || type.endsWith("[]");
    }

    /** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
