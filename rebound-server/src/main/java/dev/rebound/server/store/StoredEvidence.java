package dev.rebound.server.store;

/**
 * The result of storing one piece of evidence.
 *
 * @param evidenceId the row's id (of the earlier row when {@code duplicate})
 * @param duplicate  true when the dedup key was already stored: nothing was written for it
 */
public record StoredEvidence(String evidenceId, boolean duplicate, EvidenceMatch match, EvidenceDecision decision) {}
