package io.watchcache.etcd.config;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.etcd.jetcd.ClientBuilder;
import io.watchcache.etcd.EtcdConnection;
import io.watchcache.etcd.PrefixSnapshot;
import io.watchcache.etcd.autoconfigure.EtcdClients;
import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import io.watchcache.etcd.autoconfigure.EtcdImportConnection;
import io.watchcache.etcd.autoconfigure.EtcdProperties;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.ConfigurableApplicationContext;

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
    /** Where etcd is and who logs in: the bootstrap registry's details, else {@code watchcache.etcd.*}. */
    private final EtcdConnectionDetails details;
    private final Map<String, Imported> imports = new ConcurrentHashMap<>();
    @GuardedBy("this")
    private @Nullable EtcdImportConnection connection;

    EtcdConfigSources(EtcdProperties properties, @Nullable EtcdConnectionDetails details) {
        this.properties = properties;
        this.details = details != null ? details : EtcdClients.details(properties);
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
                // The types take it when they would connect the same way.
                context.getBeanFactory().registerSingleton(EtcdImportConnection.BEAN_NAME, sources.shareable());
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
        return details.getEndpoints();
    }

    EtcdProperties properties() {
        return properties;
    }

    /** The connection of the imports, made on first use (nothing connects until the first read). */
    EtcdConnection connection() {
        return shareable().connection();
    }

    /** The connection with the settings it is made from, for the types to share. */
    synchronized EtcdImportConnection shareable() {
        if (connection == null) {
            ClientBuilder builder = EtcdClients.builder(properties, details);
            SslBundle tls = details.getSslBundle();
            if (tls != null) {
                builder.sslContext(EtcdClients.sslContext("of " + details.getClass().getName(), tls));
            }
            connection = new EtcdImportConnection(EtcdConnection.of(builder),
                    EtcdClients.Settings.of(properties, details, tls));
        }
        return connection;
    }

    /**
     * Every key under {@code prefix} now, and the revision it was read at: through etcd's JSON
     * gateway when it can carry the read (no gRPC is loaded for it), else over gRPC.
     */
    EtcdGatewayRead.Read read(String prefix, Duration timeout) throws Exception {
        try {
            return EtcdGatewayRead.read(details, properties.getNamespace(), properties.getAuthority(), prefix,
                    timeout);
        } catch (EtcdGatewayRead.Unsupported e) {
            // Read over gRPC, as the watch will (configuration is read before logging is set up:
            // nothing is logged for it).
        }
        PrefixSnapshot read = connection().readPrefix(prefix, timeout).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return new EtcdGatewayRead.Read(new TreeMap<>(read.entries()), read.revision());
    }

    /** Closes the imports' connection, unless the types share it (then it closes after their caches). */
    @Override
    public synchronized void close() {
        if (connection != null && !connection.isShared()) {
            connection.connection().close();
        }
    }
}
