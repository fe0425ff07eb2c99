package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * An address that is not sent to on {@code stream} (or, in state {@link SuppressionState#REVIEW}, one a policy
 * flagged for a human), why, by which rule, and the attempt or evidence that proved it.
 */
public record Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                          Optional<Instant> expiresAt, String evidenceRef, SuppressionState state) {
    public Suppression {
        expiresAt = expiresAt == null ? Optional.empty() : expiresAt;
        evidenceRef = evidenceRef == null ? "" : evidenceRef;
        state = state == null ? SuppressionState.SUPPRESSED : state;
    }

    /** An entry that suppresses. */
    public Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                       Optional<Instant> expiresAt, String evidenceRef) {
        this(address, stream, reason, ruleId, createdAt, expiresAt, evidenceRef, SuppressionState.SUPPRESSED);
    }

    public Suppression withEvidenceRef(String ref) {
        return new Suppression(address, stream, reason, ruleId, createdAt, expiresAt, ref, state);
    }
}
