package dev.rebound.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The throttle's memory for one recipient domain (or MX group). Immutable; {@link ThrottleController#apply}
 * returns the next one.
 *
 * @param domain                        the domain or MX group
 * @param concurrency                   current connection limit
 * @param connectionDelay               current minimum delay between new connections (zero when unthrottled)
 * @param successStreak                 successes since the last negative event or change
 * @param deferrals                     deferrals and connection failures counted in the current window
 * @param rateLimits                    rate-limit replies counted in the current window
 * @param windowStart                   start of the current negative window, empty when nothing is counted
 * @param lastDecreaseAt                when concurrency was last halved
 * @param consecutiveConnectionFailures connection failures with no answer from the destination in between
 * @param deadUntil                     present while the destination is dead: no connection before it, then one probe
 * @param probeInterval                 the wait after the next failed probe is derived from this (doubles)
 * @param updatedAt                     the latest event time seen (events arriving late do not move time back)
 */
public record ThrottleState(String domain, int concurrency, Duration connectionDelay, int successStreak,
                            int deferrals, int rateLimits, Optional<Instant> windowStart,
                            Optional<Instant> lastDecreaseAt, int consecutiveConnectionFailures,
                            Optional<Instant> deadUntil, Duration probeInterval, Instant updatedAt) {
    public ThrottleState {
        Objects.requireNonNull(domain, "ThrottleState.domain");
        Objects.requireNonNull(connectionDelay, "ThrottleState.connectionDelay");
        Objects.requireNonNull(windowStart, "ThrottleState.windowStart");
        Objects.requireNonNull(lastDecreaseAt, "ThrottleState.lastDecreaseAt");
        Objects.requireNonNull(deadUntil, "ThrottleState.deadUntil");
        Objects.requireNonNull(probeInterval, "ThrottleState.probeInterval");
        Objects.requireNonNull(updatedAt, "ThrottleState.updatedAt");
    }

    /** A domain seen for the first time at {@code now}: initial concurrency, no delay, alive. */
    public static ThrottleState initial(String domain, ThrottleConfig c, Instant now) {
        return new ThrottleState(domain, c.initialConcurrency(), Duration.ZERO, 0, 0, 0, Optional.empty(),
                Optional.empty(), 0, Optional.empty(), c.probeBase(), now);
    }

    public boolean dead() {
        return deadUntil.isPresent();
    }
}
