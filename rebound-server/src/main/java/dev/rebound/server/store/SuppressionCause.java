package dev.rebound.server.store;

/** The stored evidence a suppression entry (or one of its audit rows) names as its cause, by {@code ref}. */
public sealed interface SuppressionCause {
    String ref();

    /** A delivery attempt (its reply, classification and decision). */
    record AttemptCause(String ref, String messageId, String recipientId, String address, MessageView.AttemptView attempt)
            implements SuppressionCause {}

    /** A DSN record or provider event. */
    record EvidenceCause(String ref, EvidenceView evidence) implements SuppressionCause {}
}
