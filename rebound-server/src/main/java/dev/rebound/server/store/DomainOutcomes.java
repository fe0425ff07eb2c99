package dev.rebound.server.store;

import java.time.Instant;

/**
 * Final outcomes of one recipient domain since {@code since} (the domain circuit breaker's input): {@code finals}
 * recipients reached a final state by an attempt, {@code failures} of them did not end DELIVERED.
 */
public record DomainOutcomes(String domain, Instant since, int finals, int failures) {}
