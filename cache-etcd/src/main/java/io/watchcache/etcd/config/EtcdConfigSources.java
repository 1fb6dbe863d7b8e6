package io.watchcache.etcd.config;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.watchcache.etcd.EtcdConnection;
import io.watchcache.etcd.autoconfigure.EtcdClients;
import io.watchcache.etcd.autoconfigure.EtcdProperties;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@code watchcache-etcd:} imports of one application: their property sources, and the etcd
 * connection that read them. Made while configuration is loaded (before there is an application
 * context) and handed to the context as the bean {@value #BEAN_NAME}, where
 * {@link EtcdConfigWatcher} keeps the sources current and closes the connection at the end.
 */
public final class EtcdConfigSources implements AutoCloseable {

    static final String BEAN_NAME = "watchcacheEtcdConfigSources";

    /** One import's source and what it last knew. */
    static final class Imported {
        final EtcdConfigDataResource resource;
        final EtcdConfigPropertySource source;
        /** Whether etcd has answered for this prefix at all (at startup or through the watch since). */
        volatile boolean answered;
        /** Keys of the last content that did not parse (then the content was not used); empty if none. */
        volatile SortedMap<String, String> errors = new TreeMap<>();

        Imported(EtcdConfigDataResource resource) {
            this.resource = resource;
            this.source = new EtcdConfigPropertySource(resource.sourceName(), resource.prefix());
        }
    }

    private final EtcdProperties properties;
    private final Map<String, Imported> imports = new ConcurrentHashMap<>();
    private volatile @Nullable EtcdConnection connection;

    EtcdConfigSources(EtcdProperties properties) {
        this.properties = properties;
    }

    /** Adds this holder to the application context when the bootstrap context closes (once). */
    static void promoteOnClose(BootstrapRegistry registry) {
        if (registry.isRegistered(Promoted.class)) {
            return;
        }
        registry.register(Promoted.class, BootstrapRegistry.InstanceSupplier.of(new Promoted()));
        registry.addCloseListener(event -> {
            EtcdConfigSources sources = event.getBootstrapContext().get(EtcdConfigSources.class);
            ConfigurableApplicationContext context = event.getApplicationContext();
            if (sources != null && !context.getBeanFactory().containsSingleton(BEAN_NAME)) {
                context.getBeanFactory().registerSingleton(BEAN_NAME, sources);
            }
        });
    }

    /** Marks that the close listener is registered. */
    private static final class Promoted {
    }

    Imported imported(EtcdConfigDataResource resource) {
        return imports.computeIfAbsent(resource.prefix(), prefix -> new Imported(resource));
    }

    List<Imported> imports() {
        return new ArrayList<>(imports.values());
    }

    /**
     * The imports etcd has not answered yet (an {@code optional:} one that could not be read at
     * startup), by location: prefixes only, never keys.
     */
    List<String> unanswered() {
        return imports.values().stream().filter(imported -> !imported.answered)
                .map(imported -> "config import " + imported.resource.sourceName()).sorted().toList();
    }

    /** Keys under the imported prefixes that did not parse in their last content. */
    int invalidKeys() {
        return imports.values().stream().mapToInt(imported -> imported.errors.size()).sum();
    }

    List<String> endpoints() {
        return properties.getEndpoints();
    }

    EtcdProperties properties() {
        return properties;
    }

    /** The connection of the imports, made on first use with the {@code watchcache.etcd.*} settings. */
    synchronized EtcdConnection connection() {
        if (connection == null) {
            connection = EtcdConnection.of(EtcdClients.builder(properties));
        }
        return connection;
    }

    /** Every key under {@code prefix} now, and the revision it was read at. */
    Read read(String prefix, Duration timeout) throws Exception {
        ByteSequence key = ByteSequence.from(prefix, StandardCharsets.UTF_8);
        GetResponse response = connection().client().getKVClient().get(key, GetOption.builder().isPrefix(true).build())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        SortedMap<String, String> entries = new TreeMap<>();
        for (KeyValue kv : response.getKvs()) {
            entries.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        return new Read(entries, response.getHeader().getRevision());
    }

    record Read(SortedMap<String, String> entries, long revision) {
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
