package dev.rebound.core.policy;

/**
 * What to do after the latest attempt: try again at an instant ({@link RetryAt}), or stop with a final outcome
 * ({@link GiveUp}). A delivered message is a {@code GiveUp(DELIVERED, delivered, "retry.done")}, so that callers
 * handle every decision through the same two cases.
 */
public sealed interface RetryDecision permits RetryAt, GiveUp {
    /** The id of the rule that decided (see {@link RetryPolicy} for the list). */
    String ruleId();
}
