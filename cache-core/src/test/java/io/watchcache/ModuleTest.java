package io.watchcache;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Only the API package is exported; the machinery stays out of reach. */
class ModuleTest {

    @Test
    void theModuleExportsOnlyTheApiPackage() throws Exception {
        Path descriptor = Path.of(WatchCache.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("module-info.class");
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(descriptor)) {
            module = ModuleDescriptor.read(in);
        }

        assertThat(module.name()).isEqualTo("io.watchcache");
        assertThat(module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .containsExactly("io.watchcache");
    }
}
