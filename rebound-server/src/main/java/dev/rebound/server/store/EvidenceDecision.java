package dev.rebound.server.store;

import java.util.Optional;

/**
 * What to do with one piece of evidence, decided by policy on the store's writer thread.
 *
 * @param newState       the recipient's new state, when the evidence changes it
 * @param decisionReason the reason recorded on the recipient with the new state
 * @param decisionRule   the id of the rule that decided the state ("" when nothing changes)
 * @param suppression    a suppression to add for the stream (its evidence ref is set to the evidence row)
 * @param suppressionRule the id of the suppression rule consulted ("" when none was)
 */
public record EvidenceDecision(Optional<RecipientState> newState, String decisionReason, String decisionRule,
                               Optional<Suppression> suppression, String suppressionRule) {
    public EvidenceDecision {
        newState = newState == null ? Optional.empty() : newState;
        decisionReason = decisionReason == null ? "" : decisionReason;
        decisionRule = decisionRule == null ? "" : decisionRule;
        suppression = suppression == null ? Optional.empty() : suppression;
        suppressionRule = suppressionRule == null ? "" : suppressionRule;
    }

    public static EvidenceDecision none() {
        return new EvidenceDecision(Optional.empty(), "", "", Optional.empty(), "");
    }

    /**
     * Decides for one piece of evidence inside the store transaction (so no other write can interleave between
     * reading the recipient's state and history and writing the new one). Must be pure: no I/O, no blocking.
     */
    public interface Decider {
        /** The window the domain circuit breaker counts final outcomes in. */
        java.time.Duration breakerWindow();

        /**
         * @param finals every final outcome recorded for the address in the stream before this evidence
         *               (attempts and earlier evidence), oldest first
         * @param domain the final outcomes of the evidence's domain since {@code now - breakerWindow()}
         */
        EvidenceDecision decide(NewEvidence evidence, EvidenceMatch match, java.util.List<FinalOutcome> finals,
                                DomainOutcomes domain, java.time.Instant now);
    }
}
