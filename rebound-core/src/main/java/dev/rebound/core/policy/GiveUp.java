package dev.rebound.core.policy;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.util.Objects;

/**
 * Stop trying; {@code outcome} and {@code reason} are final for this message and recipient.
 * A delivered message gives {@code GiveUp(DELIVERED, delivered, "retry.done")}.
 */
public record GiveUp(Outcome outcome, Reason reason, String ruleId) implements RetryDecision {
    public GiveUp {
        Objects.requireNonNull(outcome, "GiveUp.outcome");
        Objects.requireNonNull(reason, "GiveUp.reason");
        Objects.requireNonNull(ruleId, "GiveUp.ruleId");
        if (outcome == Outcome.DEFERRED) {
            throw new IllegalArgumentException("GiveUp needs a final outcome, got DEFERRED (rule " + ruleId + ")");
        }
    }

    /** True when the message was delivered (rule {@code retry.done}), false for a failure. */
    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
