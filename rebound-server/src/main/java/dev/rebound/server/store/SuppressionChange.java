package dev.rebound.server.store;

/**
 * What a change asked of the suppression list did, decided inside its transaction: the change and its one audit row
 * (and outbox event) were committed, or nothing was written and why.
 */
public sealed interface SuppressionChange {
    /**
     * Committed.
     *
     * @param entry    the entry as it is now (added, approved) or as it was (removed, rejected)
     * @param released held recipients set back to QUEUED in the same transaction (removal and rejection only)
     */
    record Done(Suppression entry, int released) implements SuppressionChange {}

    /** There is no active entry for the address on the stream. */
    record Missing() implements SuppressionChange {}

    /** Refused, nothing written. */
    record Refused(Suppression entry, Why why) implements SuppressionChange {}

    enum Why {
        /** The entry records the recipient's complaint: removal needs force (and the admin scope, checked by the caller). */
        COMPLAINT_NEEDS_FORCE,
        /** An add found an active entry already. */
        ALREADY_LISTED,
        /** Approve or reject of an entry that is not in REVIEW. */
        NOT_IN_REVIEW
    }
}
