package dev.rebound.core.policy;

import java.time.Instant;

/**
 * One attempt still to come in a {@link RetryPlan}.
 *
 * @param number 1-based attempt number for this message and recipient
 * @param at     when it is planned
 * @param ruleId the rule that set the time
 * @param why    a one-line human explanation (gap, schedule entry, hint, jitter)
 */
public record PlannedAttempt(int number, Instant at, String ruleId, String why) {}
