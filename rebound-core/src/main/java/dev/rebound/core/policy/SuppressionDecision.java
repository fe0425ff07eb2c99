package dev.rebound.core.policy;

/** The outcome of the {@link SuppressionPolicy} for one recipient in one stream; every case names its rule. */
public sealed interface SuppressionDecision permits Suppress, Review, NoAction {
    String ruleId();
}
