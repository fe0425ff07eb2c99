package dev.rebound.core.classify;

import java.util.Objects;

/**
 * A decision: the outcome, the fine-grained reason, the id of the rule that produced it and the evidence
 * it was made from.
 */
public record Classification(Outcome outcome, Reason reason, String ruleId, Evidence evidence) {
    public Classification {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(evidence, "evidence");
    }

    /** Sisimai v5's hardbounce flag: the mailbox is gone and the failure was permanent. */
    public boolean hardBounce() {
        return outcome == Outcome.BOUNCED_HARD;
    }
}
