package dev.rebound.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the delivery side should do for a domain after an event.
 *
 * @param state                      the new state to keep for the domain
 * @param concurrencyLimit           connections allowed at once, in [minConcurrency, maxConcurrency]
 * @param minDelayBetweenConnections wait at least this long between opening two connections
 * @param dead                       the destination is dead: open no connection before {@code deadUntil}, then
 *                                   a single probe
 * @param deadUntil                  present when {@code dead}
 * @param reason                     a human explanation of the change (or of no change)
 * @param ruleId                     the rule that decided
 */
public record ThrottleDecision(ThrottleState state, int concurrencyLimit, Duration minDelayBetweenConnections,
                               boolean dead, Optional<Instant> deadUntil, String reason, String ruleId) {
    public ThrottleDecision {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(minDelayBetweenConnections, "minDelayBetweenConnections");
        Objects.requireNonNull(deadUntil, "deadUntil");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(ruleId, "ruleId");
    }
}
