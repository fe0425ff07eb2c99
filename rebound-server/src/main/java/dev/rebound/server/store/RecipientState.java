package dev.rebound.server.store;

import dev.rebound.core.classify.Outcome;

/** Where a recipient stands. QUEUED and DEFERRED are waiting for an attempt; every other state is final. */
public enum RecipientState {
    QUEUED, DEFERRED, DELIVERED, BOUNCED_SOFT, BOUNCED_HARD, BLOCKED_POLICY, COMPLAINT, SUPPRESSED;

    public boolean isFinal() {
        return this != QUEUED && this != DEFERRED;
    }

    /** The state a recipient reaches with a classified outcome. */
    public static RecipientState of(Outcome outcome) {
        return switch (outcome) {
            case DELIVERED -> DELIVERED;
            case DEFERRED -> DEFERRED;
            case BOUNCED_SOFT -> BOUNCED_SOFT;
            case BOUNCED_HARD -> BOUNCED_HARD;
            case BLOCKED_POLICY -> BLOCKED_POLICY;
            case COMPLAINT -> COMPLAINT;
        };
    }
}
