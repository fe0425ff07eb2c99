package dev.rebound.server.decide;

import dev.rebound.core.classify.Outcome;
import dev.rebound.server.store.RecipientState;
import java.util.Optional;

/**
 * What late evidence does to a recipient's state. Pure: a function of the recipient's current state and the
 * evidence's outcome, returning the new state (if any) and the rule id.
 *
 * <p>Design. An SMTP 250 only says the next hop took the message; RFC 3464 DSNs and provider events can arrive
 * later and say what happened after it. Evidence therefore outranks the state it finds when it is more severe:
 * waiting (QUEUED, DEFERRED) &lt; DELIVERED &lt; BOUNCED_SOFT = BLOCKED_POLICY &lt; BOUNCED_HARD &lt; COMPLAINT.
 * A late hard bounce after DELIVERED makes the recipient BOUNCED_HARD; a complaint (RFC 5965) always wins; a
 * DELIVERED event never undoes a bounce; a DEFERRED (delay) event is stored but changes nothing, since Rebound's own
 * retry schedule or the provider's still runs. A recipient suppressed at intake was never sent: nothing changes.
 *
 * <p>Rules: {@code evidence.complaint}, {@code evidence.late-failure} (a failure after DELIVERED),
 * {@code evidence.final} (a final outcome for a recipient still waiting), {@code evidence.stronger} (a more severe
 * failure than the recorded one), and no change: {@code evidence.none.no-outcome}, {@code evidence.none.not-final},
 * {@code evidence.none.unmatched}, {@code evidence.none.never-sent}, {@code evidence.none.not-stronger}.
 */
final class EvidencePolicy {
    private EvidencePolicy() {}

    /** The decision: the new state when it changes, and the rule that decided. */
    public record Transition(Optional<RecipientState> newState, String ruleId) {}

    public static Transition decide(Optional<RecipientState> current, Optional<Outcome> outcome) {
        if (outcome.isEmpty()) return none("evidence.none.no-outcome");
        Outcome o = outcome.get();
        if (o == Outcome.DEFERRED) return none("evidence.none.not-final");
        if (current.isEmpty()) return none("evidence.none.unmatched");
        RecipientState from = current.get();
        if (from == RecipientState.SUPPRESSED) return none("evidence.none.never-sent");
        RecipientState to = RecipientState.of(o);
        if (rank(to) <= rank(from)) return none("evidence.none.not-stronger");
        String rule;
        if (to == RecipientState.COMPLAINT) rule = "evidence.complaint";
        else if (!from.isFinal()) rule = "evidence.final";
        else if (from == RecipientState.DELIVERED) rule = "evidence.late-failure";
        else rule = "evidence.stronger";
        return new Transition(Optional.of(to), rule);
    }

    static int rank(RecipientState s) {
        return switch (s) {
            case QUEUED, DEFERRED -> 0;
            case DELIVERED -> 1;
            case BOUNCED_SOFT, BLOCKED_POLICY -> 2;
            case BOUNCED_HARD -> 3;
            case COMPLAINT -> 4;
            case SUPPRESSED -> 5;
        };
    }

    private static Transition none(String rule) {
        return new Transition(Optional.empty(), rule);
    }
}
