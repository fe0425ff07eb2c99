package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/** An address that is not sent to on {@code stream}, why, by which rule, and the attempt that proved it. */
public record Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                          Optional<Instant> expiresAt, String evidenceRef) {
    public Suppression {
        expiresAt = expiresAt == null ? Optional.empty() : expiresAt;
        evidenceRef = evidenceRef == null ? "" : evidenceRef;
    }
}
