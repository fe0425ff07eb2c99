package dev.rebound.server.access;

import java.util.Locale;
import java.util.Optional;

/**
 * What an API key may do. {@code admin} includes every other scope; keys from {@code api.keys} in the config
 * have every scope.
 */
public enum Scope {
    /** {@code POST /v1/messages}. */
    SEND,
    /** Reading messages, the queue, addresses' evidence and {@code /metrics}. */
    READ,
    /** The suppression list: list, read, add, remove, review, import, export (lifting a complaint also needs {@link #ADMIN}). */
    SUPPRESSIONS,
    /**
     * Rebound's outbound webhook endpoints ({@code /v1/webhooks}) and provider webhook administration
     * ({@code GET /v1/providers/ses/subscriptions}); incoming provider webhooks authenticate by the provider's scheme.
     */
    WEBHOOKS,
    /** Everything, including key management. */
    ADMIN;

    /** The lower-case name used on the command line, in the store and in messages. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> of(String id) {
        for (Scope s : values()) if (s.id().equals(id.strip().toLowerCase(Locale.ROOT))) return Optional.of(s);
        return Optional.empty();
    }
}
