package io.watchcache;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * No cache type is registered under the name a caller gave. The message lists the registered
 * names, so a typo shows next to what was meant.
 */
public class UnknownTypeException extends IllegalArgumentException {

    private final String name;
    private final transient Set<String> registered;

    public UnknownTypeException(String name, Set<String> registered) {
        super("unknown cache type '" + name + "'; registered: " + registered);
        this.name = name;
        this.registered = Collections.unmodifiableSet(new LinkedHashSet<>(registered));
    }

    /** The name that was asked for. */
    public String name() {
        return name;
    }

    /** The names registered when it was asked, in registration order. */
    public Set<String> registered() {
        return registered;
    }
}
