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
import java.util.List;
import java.util.Locale;

/**
 * The properties under a prefix that something binds, read from the configuration metadata
 * every module ships ({@code META-INF/spring-configuration-metadata.json}, the file IDEs
 * complete from). The starter's and cache-etcd's own classes generate it at build time, so a
 * key is known here exactly when it binds to a field.
 */
final class KnownProperties {

    /** One property: its name, and whether it takes keys or indexes below it (a map, list or array). */
    record Known(ConfigurationPropertyName name, String written, boolean container) {

        boolean accepts(ConfigurationPropertyName configured) {
            return name.equals(configured) || (container && name.isAncestorOf(configured));
        }
    }

    static final String METADATA = "META-INF/spring-configuration-metadata.json";

    private final List<Known> known;

    private KnownProperties(List<Known> known) {
        this.known = List.copyOf(known);
    }

    /** The properties under {@code prefix} in every metadata file on the class path. */
    static KnownProperties under(String prefix, @Nullable ClassLoader classLoader) {
        ConfigurationPropertyName root = ConfigurationPropertyName.of(prefix);
        List<Known> known = new ArrayList<>();
        try {
            ConfigurationMetadataRepositoryJsonBuilder builder = ConfigurationMetadataRepositoryJsonBuilder.create();
            for (Resource resource : new PathMatchingResourcePatternResolver(classLoader)
                    .getResources("classpath*:" + METADATA)) {
                byte[] json;
                try (InputStream in = resource.getInputStream()) {
                    json = in.readAllBytes();
                }
                // Only our modules' files name keys under the prefix: Boot's own (thousands of
                // properties) are not worth parsing at every startup.
                if (new String(json, StandardCharsets.UTF_8).contains("\"" + prefix + ".")) {
                    builder.withJsonResource(new ByteArrayInputStream(json));
                }
            }
            for (ConfigurationMetadataProperty property : builder.build().getAllProperties().values()) {
                String name = property.getId();
                if (ConfigurationPropertyName.isValid(name) && root.isAncestorOf(ConfigurationPropertyName.of(name))) {
                    known.add(new Known(ConfigurationPropertyName.of(name), name,
                            isContainer(String.valueOf(property.getType()))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + METADATA, e);
        }
        known.sort(Comparator.comparing(Known::written));
        return new KnownProperties(known);
    }

    boolean isEmpty() {
        return known.isEmpty();
    }

    /** Whether {@code configured} binds to one of the known properties (in any of Boot's relaxed forms). */
    boolean accepts(ConfigurationPropertyName configured) {
        return known.stream().anyMatch(k -> k.accepts(configured));
    }

    /**
     * The known property nearest to {@code configured} as written, when it is close enough to be
     * a typo (a few letters left out, added, changed or swapped).
     */
    @Nullable String nearest(ConfigurationPropertyName configured) {
        String typed = squash(configured.toString());
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Known candidate : known) {
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
        return known.stream().filter(k -> parent.isParentOf(k.name()))
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
