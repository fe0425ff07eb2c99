package dev.rebound.server.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One recipient domain's throttle on this node (in memory, from the core {@code ThrottleController}'s state).
 *
 * @param concurrencyLimit    connections allowed at once now (AIMD between throttle.min- and max-concurrency)
 * @param inFlight            transactions running now
 * @param connectionDelay     minimum delay between two transactions (zero when not backing off)
 * @param deadUntil           present while the destination is dead: no connection before it, then one probe
 * @param connectionFailures  consecutive connection failures
 * @param updatedAt           the latest event the throttle saw
 */
public record DomainStatus(String domain, int concurrencyLimit, int inFlight, Duration connectionDelay, Optional<Instant> deadUntil,
                           int connectionFailures, Instant updatedAt) {
    /** Dead, backing off, or held below the configured ceiling. */
    public boolean throttled(int maxConcurrency) {
        return deadUntil.isPresent() || connectionDelay.isPositive() || concurrencyLimit < maxConcurrency;
    }
}
