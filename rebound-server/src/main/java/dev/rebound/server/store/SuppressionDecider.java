package dev.rebound.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The suppression decision for a final failure, made inside the transaction that records it: the store reads the
 * address's final outcomes in its stream and its domain's counts over {@link #breakerWindow()} in that transaction
 * and writes the entry returned, so every suppression decision (attempts and evidence alike) sees the same
 * committed history it is written against. Must be pure: no I/O, no blocking.
 */
public interface SuppressionDecider {
    /** The window the domain circuit breaker counts final outcomes in. */
    Duration breakerWindow();

    /**
     * @param finals every final outcome of {@code address} in {@code stream}, oldest first, the one decided for last
     * @param domain the final outcomes of the address's domain since {@code now - breakerWindow()}
     * @return the entry to write (SUPPRESSED or REVIEW), empty when none
     */
    Optional<Suppression> decide(String address, String stream, List<FinalOutcome> finals, DomainOutcomes domain, Instant now);

    /**
     * When a provisional review ({@code suppress.provisional.hard}) decided over {@code finals} ends: the instant from
     * which {@link #decide} no longer holds it (empty when {@code finals} hold no bounce that makes one). The store's
     * sweep decides the entry again then ({@link #promote}).
     */
    Optional<Instant> provisionalUntil(List<FinalOutcome> finals);

    /**
     * The decision for a provisional review at the end of its hold ({@code due}), over the address's final outcomes up
     * to {@code due} and its domain's counts of the window ending at {@code due}: the entry that replaces it
     * (SUPPRESSED, or the breaker's REVIEW), or none (then the rule says why, e.g. a delivery in the meantime).
     */
    Promotion promote(String address, String stream, List<FinalOutcome> finals, DomainOutcomes domain, Instant due);

    /** What becomes of a provisional review: {@code entry} replaces it, or (empty) it is lifted; {@code ruleId} decided. */
    record Promotion(Optional<Suppression> entry, String ruleId) {}
}
