package dev.rebound.core.policy;

import java.time.Instant;
import java.util.List;

/**
 * The remaining schedule of one message to one recipient, for a UI: "next attempt at …, gives up at …".
 * The plan assumes every remaining attempt fails the same way as the latest one (before the first attempt:
 * as a plain transient failure); its first element always equals {@link RetryPolicy#next}.
 *
 * @param next         the decision {@code next(...)} returns now
 * @param attempts     the attempts still planned, in order (empty when {@code next} is a {@link GiveUp})
 * @param givesUpAt    when the policy will stop if nothing changes: the time of the last planned attempt
 *                     (whose failure ends the message), or {@code now} when {@code next} already gives up
 * @param finalDecision the {@link GiveUp} reached at the end of the plan (for a delivered message: retry.done)
 */
public record RetryPlan(RetryDecision next, List<PlannedAttempt> attempts, Instant givesUpAt, GiveUp finalDecision) {
    public RetryPlan {
        attempts = List.copyOf(attempts);
    }

    /** The rule ids along the plan: every planned attempt's, then the final decision's. */
    public List<String> ruleIds() {
        var ids = new java.util.ArrayList<String>();
        attempts.forEach(a -> ids.add(a.ruleId()));
        ids.add(finalDecision.ruleId());
        return List.copyOf(ids);
    }
}
