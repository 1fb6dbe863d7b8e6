package io.watchcache;

import org.jspecify.annotations.Nullable;

/**
 * An option the cache cannot run with, named as the API names it ({@code backoffMaxWait}), with
 * the value given and why it is refused ({@code "must be positive"}). Integrations map the
 * option to their own name for it (a property, a query parameter) and show the reason as is,
 * so every layer says the same thing in the same words.
 */
public class InvalidOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String option;
    private final transient @Nullable Object value;
    private final String reason;

    public InvalidOptionException(String option, @Nullable Object value, String reason) {
        super(option + " " + reason + ": " + value);
        this.option = option;
        this.value = value;
        this.reason = reason;
    }

    /** The option's name in the API, e.g. {@code entryFetchMaxBurst}. */
    public String option() {
        return option;
    }

    /** The value that was refused (possibly {@code null}). */
    public @Nullable Object value() {
        return value;
    }

    /** Why, as a phrase that follows the option's name: {@code "must be at least 1"}. */
    public String reason() {
        return reason;
    }
}
