package dev.rebound.server.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One recipient domain's throttle on this node ({@code GET /v1/throttle}, the dashboard's Domains page): the core
 * {@code ThrottleController}'s state as the scheduler applies it. It lives in memory per node and starts afresh at
 * each start; a domain appears once this node has tried to deliver to it.
 *
 * @param status             why sending to the domain is slowed, the most binding reason first
 * @param concurrency        transactions allowed at once now (AIMD between throttle.min- and max-concurrency)
 * @param inFlight           transactions running now
 * @param connectionDelay    minimum time between two transactions (widened on deferrals, as Postfix's rate delay)
 * @param deadUntil          no connection before this instant (after consecutive connection failures), then a probe
 * @param deferrals          deferrals in the controller's current window
 * @param rateLimits         rate-limit replies (421/450/451 with throttling words) in the window
 * @param connectionFailures consecutive connection failures
 */
public record ThrottleView(String domain, Status status, int concurrency, int inFlight, Duration connectionDelay,
                           Optional<Instant> deadUntil, int deferrals, int rateLimits, int connectionFailures,
                           Optional<Instant> lastDecreaseAt, Instant updatedAt) {

    /** DEAD: no connection until the probe; FULL: every allowed slot in use; BACKOFF: concurrency cut or a delay set; OPEN. */
    public enum Status { DEAD, FULL, BACKOFF, OPEN }
}
