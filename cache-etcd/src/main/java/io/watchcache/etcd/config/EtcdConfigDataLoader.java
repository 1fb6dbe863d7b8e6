package io.watchcache.etcd.config;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.config.ConfigData;
import org.springframework.boot.context.config.ConfigDataLoader;
import org.springframework.boot.context.config.ConfigDataLoaderContext;
import org.springframework.boot.logging.DeferredLogFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Reads a {@code watchcache-etcd:} import at startup: every key under the prefix, parsed into
 * one property source (see {@link EtcdConfigParser}). A store that does not answer fails
 * startup with the endpoints named, unless the import is {@code optional:}, which starts with
 * an empty source that {@link EtcdConfigWatcher} fills in when etcd answers.
 */
public class EtcdConfigDataLoader implements ConfigDataLoader<EtcdConfigDataResource> {

    /** How long the quick look at the endpoints waits for each (see {@link EtcdEndpointProbe}). */
    private static final Duration PROBE_WAIT = Duration.ofMillis(500);

    private final Log log;

    public EtcdConfigDataLoader(DeferredLogFactory logs) {
        this.log = logs.getLog(EtcdConfigDataLoader.class);
    }

    @Override
    public ConfigData load(ConfigDataLoaderContext context, EtcdConfigDataResource resource) {
        // The resolver registered it before any import is loaded.
        EtcdConfigSources sources = Objects.requireNonNull(
                context.getBootstrapContext().get(EtcdConfigSources.class));
        EtcdConfigSources.Imported imported = sources.imported(resource);
        // A store that refuses or a host that does not resolve fails (or, optional, starts) at
        // once, with the reason, rather than after the whole request timeout.
        String unreachable = EtcdEndpointProbe.unreachable(sources.endpoints(), PROBE_WAIT);
        if (unreachable != null) {
            unavailable(resource, sources, unreachable, null);
            return new ConfigData(List.of(imported.source));
        }
        try {
            EtcdGatewayRead.Read read = sources.read(resource.prefix(), resource.requestTimeout());
            imported.answered = true;
            EtcdConfigParser.Parsed parsed = EtcdConfigParser.parse(resource.prefix(), read.entries());
            if (!parsed.ok()) {
                if (!resource.isOptional()) {
                    throw InvalidEtcdConfigImportException.keys(resource.sourceName(), parsed.errors());
                }
                log.warn("Configuration from etcd: skipping keys that do not parse: " + parsed.errors());
            }
            imported.errors = parsed.errors();
            imported.source.replace(parsed.properties(), read.revision());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdConfigUnavailableException(resource.prefix(), sources.endpoints(), "interrupted", e);
        } catch (InvalidEtcdConfigImportException e) {
            throw e;
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            unavailable(resource, sources, reason(cause, resource.requestTimeout()), cause);
        }
        return new ConfigData(List.of(imported.source));
    }

    /** etcd could not be read, for {@code reason}: startup fails, or, for an optional import, goes on without it. */
    private void unavailable(EtcdConfigDataResource resource, EtcdConfigSources sources, String reason,
                             @Nullable Throwable cause) {
        if (!resource.isOptional()) {
            // Startup ends here: the client has no application context to close it later.
            sources.close();
            throw new EtcdConfigUnavailableException(resource.prefix(), sources.endpoints(), reason, cause);
        }
        log.warn("Configuration from etcd: '" + resource.prefix() + "' could not be read from "
                + sources.endpoints() + " (" + reason + "); starting without it, it fills in when etcd answers");
    }

    /** What went wrong, in words: a timeout, a TLS handshake, or the error as it came. */
    private static String reason(Throwable cause, Duration timeout) {
        if (cause instanceof TimeoutException) {
            return "no answer within " + text(timeout);
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException tls) {
                return "the TLS handshake failed: " + tls.getMessage();
            }
        }
        return cause.toString();
    }

    /** 5s, 1500ms: as a user writes it. */
    private static String text(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
