package dev.rebound.core.policy;

import dev.rebound.core.classify.Reason;
import java.time.Instant;
import java.util.Objects;

/** Put the recipient on the stream's suppression list until {@code expiresAt}. */
public record Suppress(Reason reason, Instant expiresAt, String ruleId) implements SuppressionDecision {
    public Suppress {
        Objects.requireNonNull(reason, "Suppress.reason");
        Objects.requireNonNull(expiresAt, "Suppress.expiresAt");
        Objects.requireNonNull(ruleId, "Suppress.ruleId");
    }
}
