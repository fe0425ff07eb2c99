package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * One change to the suppression list.
 *
 * @param action  {@code created}, {@code updated} or {@code removed}
 * @param actor   {@code policy} for a decision of the core SuppressionPolicy, else who asked (API caller)
 * @param note    why: the rule for a policy, the caller's reason for a removal
 */
public record SuppressionAudit(String id, Instant at, String address, String stream, String action, SuppressionState state,
                               String reason, String ruleId, Optional<Instant> expiresAt, String evidenceRef, String actor,
                               String note) {}
