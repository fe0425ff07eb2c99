package dev.rebound.core.policy;

import dev.rebound.core.classify.Reason;
import java.util.Objects;

/** Do not suppress, but put the recipient in the review queue: the evidence is suggestive, not conclusive. */
public record Review(Reason reason, String ruleId) implements SuppressionDecision {
    public Review {
        Objects.requireNonNull(reason, "Review.reason");
        Objects.requireNonNull(ruleId, "Review.ruleId");
    }
}
