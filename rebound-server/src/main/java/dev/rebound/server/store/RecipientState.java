package dev.rebound.server.store;

import dev.rebound.core.classify.Outcome;

/** Where a recipient stands. QUEUED and DEFERRED are waiting for an attempt; every other state is final. */
public enum RecipientState {
    QUEUED, DEFERRED, DELIVERED, BOUNCED_SOFT, BOUNCED_HARD, BLOCKED_POLICY, COMPLAINT, SUPPRESSED;

    public boolean isFinal() {
        return this != QUEUED && this != DEFERRED;
    }

    public static RecipientState of(Outcome outcome) {
        return RecipientState.valueOf(outcome.name());
    }
}
