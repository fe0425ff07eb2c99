package dev.rebound.core.policy;

import java.util.Objects;

/** Nothing to do; the rule id says why (no evidence, last delivered, one soft bounce, policy block, ...). */
public record NoAction(String ruleId) implements SuppressionDecision {
    public NoAction {
        Objects.requireNonNull(ruleId, "NoAction.ruleId");
    }
}
