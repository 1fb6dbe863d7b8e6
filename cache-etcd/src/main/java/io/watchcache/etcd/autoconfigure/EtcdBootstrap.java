package io.watchcache.etcd.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.bootstrap.BootstrapContext;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.bootstrap.BootstrapRegistryInitializer;

import java.util.Objects;

/**
 * Connection details for the configuration imports and the cache types alike. Imports are read
 * before there are beans, so an {@link EtcdConnectionDetails} bean cannot reach them; details in
 * Boot's bootstrap registry can. Registered there, they are used by every
 * {@code watchcache-etcd:} import and then become the application's {@code EtcdConnectionDetails}
 * bean, so the types connect the same way (and share the imports' connection):
 *
 * <pre>{@code
 * SpringApplication app = new SpringApplication(MyApp.class);
 * app.addBootstrapRegistryInitializer(EtcdBootstrap.connectionDetails(() -> List.of(etcdUrl)));
 * app.run(args);
 * }</pre>
 */
public final class EtcdBootstrap {

    /** The bean the registered details become when the bootstrap context closes. */
    public static final String DETAILS_BEAN_NAME = "watchcacheEtcdConnectionDetails";

    private EtcdBootstrap() {
    }

    /** Registers {@code details} for the imports, and as the bean the types use. */
    public static BootstrapRegistryInitializer connectionDetails(EtcdConnectionDetails details) {
        Objects.requireNonNull(details, "details");
        return registry -> {
            registry.register(EtcdConnectionDetails.class, BootstrapRegistry.InstanceSupplier.of(details));
            promoteOnClose(registry);
        };
    }

    /** The details registered in the bootstrap registry, or null for none. */
    public static @Nullable EtcdConnectionDetails details(BootstrapContext context) {
        return context.isRegistered(EtcdConnectionDetails.class) ? context.get(EtcdConnectionDetails.class) : null;
    }

    /**
     * Makes the registry's details, when there are any, the application's
     * {@code EtcdConnectionDetails} bean once the bootstrap context closes (registered once,
     * however often this is called).
     */
    public static void promoteOnClose(BootstrapRegistry registry) {
        if (registry.isRegistered(Promoted.class)) {
            return;
        }
        registry.register(Promoted.class, BootstrapRegistry.InstanceSupplier.of(new Promoted()));
        registry.addCloseListener(event -> {
            EtcdConnectionDetails details = details(event.getBootstrapContext());
            ConfigurableListableBeanFactory beans = event.getApplicationContext().getBeanFactory();
            if (details != null && !beans.containsSingleton(DETAILS_BEAN_NAME)) {
                beans.registerSingleton(DETAILS_BEAN_NAME, details);
            }
        });
    }

    /** Marks that the close listener is registered. */
    private static final class Promoted {
    }
}
