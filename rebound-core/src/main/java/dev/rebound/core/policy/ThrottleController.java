package dev.rebound.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Per-domain adaptive concurrency: a pure AIMD controller over timestamped {@link ThrottleEvent}s.
 *
 * <p>Design. Additive increase, multiplicative decrease is TCP's congestion control (RFC 5681 §3.1: grow the
 * window by one segment per round trip, halve it on loss; after a retransmission timeout restart from one
 * segment). Here the "window" is the number of concurrent connections to one recipient domain, "loss" is a
 * sustained run of deferrals, rate-limit replies or connection failures, and an ACK is an accepted message.
 * Postfix's queue manager does the same for destinations (SCHEDULER_README,
 * https://www.postfix.org/SCHEDULER_README.html: start at
 * initial_destination_concurrency 5, limit 20, ±1 feedback with hysteresis, a destination is dead after failed
 * cohorts and retried after minimal_backoff_time), but it takes negative feedback only from connection and
 * handshake failures. KumoMTA's shaping sets fixed connection_limit / max_message_rate per site, and its TSA
 * daemon applies a fixed override for a fixed duration, then snaps back (https://github.com/KumoCorp/kumomta/issues/322
 * shows the trouble). Rebound takes 4xx rate-limit and reputation
 * replies as negative feedback too, widens a min delay between connections when it halves, and recovers only
 * through successes (K in a row per +1), never at a fixed expiry.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code throttle.success}: success counted towards the next increase.</li>
 *   <li>{@code throttle.aimd.increase}: {@code successesToIncrease} successes in a row → concurrency + 1, connection
 *       delay halved (below backoffBase it drops to zero). {@code throttle.at-max}: the same at the ceiling
 *       (only the delay narrows).</li>
 *   <li>{@code throttle.negative.counted}: a deferral, rate-limit reply or connection failure inside the window,
 *       below its threshold; the success streak restarts.</li>
 *   <li>{@code throttle.aimd.decrease}: the threshold is reached → concurrency halved (floor minConcurrency),
 *       connection delay doubled (at least backoffBase, at most backoffMax), counts reset.
 *       {@code throttle.aimd.cooldown}: reached again within decreaseCooldown of the last halving → no change
 *       (those replies come from connections opened before it).</li>
 *   <li>{@code throttle.hard-failure.neutral}: a failure about the recipient, not the destination: no change, but
 *       the consecutive connection failure count restarts.</li>
 *   <li>{@code throttle.dead}: {@code deadAfterConnectionFailures} consecutive connection failures → dead until
 *       now + probeBase, concurrency at the floor. {@code throttle.dead.probe-failed}: a connection failure at or after
 *       deadUntil (the probe) → dead for twice as long (at most probeMax). {@code throttle.dead.waiting}: a late
 *       failure from before deadUntil → no change. {@code throttle.dead.recovered}: any reply from the destination
 *       while dead → alive again at the floor (RFC 5681's restart from one segment), to grow by successes.</li>
 * </ul>
 */
public final class ThrottleController {

    public static final String SUCCESS = "throttle.success";
    public static final String INCREASE = "throttle.aimd.increase";
    public static final String AT_MAX = "throttle.at-max";
    public static final String NEGATIVE_COUNTED = "throttle.negative.counted";
    public static final String DECREASE = "throttle.aimd.decrease";
    public static final String COOLDOWN = "throttle.aimd.cooldown";
    public static final String HARD_FAILURE_NEUTRAL = "throttle.hard-failure.neutral";
    public static final String DEAD = "throttle.dead";
    public static final String DEAD_PROBE_FAILED = "throttle.dead.probe-failed";
    public static final String DEAD_WAITING = "throttle.dead.waiting";
    public static final String DEAD_RECOVERED = "throttle.dead.recovered";

    private static final ThrottleController STANDARD = new ThrottleController();

    public static ThrottleController standard() {
        return STANDARD;
    }

    /** The next state and limits of {@code s}'s domain after event {@code e}. */
    public ThrottleDecision apply(ThrottleState s, ThrottleEvent e, ThrottleConfig c) {
        Instant t = e.at().isAfter(s.updatedAt()) ? e.at() : s.updatedAt();
        int conc = clampConc(s.concurrency(), c);
        ThrottleEvent.Kind k = e.kind();

        if (s.dead()) {
            Instant until = s.deadUntil().get();
            if (k == ThrottleEvent.Kind.CONNECTION_FAILURE) {
                int fails = s.consecutiveConnectionFailures() + 1;
                if (e.at().isBefore(until)) {
                    return decide(with(s, conc, s.connectionDelay(), 0, s.deferrals(), s.rateLimits(), s.windowStart(),
                                    s.lastDecreaseAt(), fails, s.deadUntil(), s.probeInterval(), t),
                            "connection failure from before the probe time " + until, DEAD_WAITING);
                }
                Duration next = min(s.probeInterval().multipliedBy(2), c.probeMax());
                Instant newUntil = t.plus(next);
                return decide(with(s, c.minConcurrency(), s.connectionDelay(), 0, 0, 0, Optional.empty(),
                                s.lastDecreaseAt(), fails, Optional.of(newUntil), next, t),
                        "probe failed (" + fails + " connection failures in a row): dead until " + newUntil,
                        DEAD_PROBE_FAILED);
            }
            // Any reply at all: the destination is back. Restart at the floor.
            return decide(with(s, c.minConcurrency(), s.connectionDelay(), k == ThrottleEvent.Kind.SUCCESS ? 1 : 0, 0, 0,
                            Optional.empty(), s.lastDecreaseAt(), 0, Optional.empty(), c.probeBase(), t),
                    "destination answered (" + k + ") after being dead: concurrency restarts at " + c.minConcurrency(),
                    DEAD_RECOVERED);
        }

        switch (k) {
            case SUCCESS -> {
                int streak = s.successStreak() + 1;
                if (streak < c.successesToIncrease()) {
                    return decide(with(s, conc, s.connectionDelay(), streak, s.deferrals(), s.rateLimits(),
                                    s.windowStart(), s.lastDecreaseAt(), 0, Optional.empty(), s.probeInterval(), t),
                            "success " + streak + " of " + c.successesToIncrease() + " towards +1", SUCCESS);
                }
                Duration delay = narrow(s.connectionDelay(), c);
                if (conc >= c.maxConcurrency()) {
                    return decide(with(s, c.maxConcurrency(), delay, 0, s.deferrals(), s.rateLimits(), s.windowStart(),
                                    s.lastDecreaseAt(), 0, Optional.empty(), s.probeInterval(), t),
                            streak + " successes in a row at the ceiling " + c.maxConcurrency() + ", delay " + delay, AT_MAX);
                }
                return decide(with(s, conc + 1, delay, 0, s.deferrals(), s.rateLimits(), s.windowStart(),
                                s.lastDecreaseAt(), 0, Optional.empty(), s.probeInterval(), t),
                        streak + " successes in a row: concurrency " + conc + " → " + (conc + 1) + ", delay "
                                + s.connectionDelay() + " → " + delay, INCREASE);
            }
            case HARD_FAILURE -> {
                return decide(with(s, conc, s.connectionDelay(), s.successStreak(), s.deferrals(), s.rateLimits(),
                                s.windowStart(), s.lastDecreaseAt(), 0, Optional.empty(), s.probeInterval(), t),
                        "failure about the recipient, not the destination: no change", HARD_FAILURE_NEUTRAL);
            }
            default -> {
                // DEFERRAL, RATE_LIMIT, CONNECTION_FAILURE: negative feedback
            }
        }
        int fails = k == ThrottleEvent.Kind.CONNECTION_FAILURE ? s.consecutiveConnectionFailures() + 1 : 0;
        if (k == ThrottleEvent.Kind.CONNECTION_FAILURE && fails >= c.deadAfterConnectionFailures()) {
            Instant until = t.plus(c.probeBase());
            return decide(with(s, c.minConcurrency(), s.connectionDelay(), 0, 0, 0, Optional.empty(), s.lastDecreaseAt(),
                            fails, Optional.of(until), c.probeBase(), t),
                    fails + " connection failures in a row: destination dead until " + until + ", then one probe", DEAD);
        }
        boolean newWindow = s.windowStart().isEmpty()
                || Duration.between(s.windowStart().get(), t).compareTo(c.negativeWindow()) >= 0;
        Optional<Instant> window = newWindow ? Optional.of(t) : s.windowStart();
        int deferrals = (newWindow ? 0 : s.deferrals()) + (k == ThrottleEvent.Kind.RATE_LIMIT ? 0 : 1);
        int rateLimits = (newWindow ? 0 : s.rateLimits()) + (k == ThrottleEvent.Kind.RATE_LIMIT ? 1 : 0);
        boolean sustained = deferrals >= c.deferralsToDecrease() || rateLimits >= c.rateLimitsToDecrease();
        String counted = deferrals + " deferral(s)/connection failure(s) and " + rateLimits
                + " rate-limit reply(ies) within " + c.negativeWindow();
        if (!sustained) {
            return decide(with(s, conc, s.connectionDelay(), 0, deferrals, rateLimits, window, s.lastDecreaseAt(), fails,
                    Optional.empty(), s.probeInterval(), t), counted + ": below threshold", NEGATIVE_COUNTED);
        }
        if (s.lastDecreaseAt().isPresent()
                && Duration.between(s.lastDecreaseAt().get(), t).compareTo(c.decreaseCooldown()) < 0) {
            return decide(with(s, conc, s.connectionDelay(), 0, deferrals, rateLimits, window, s.lastDecreaseAt(), fails,
                            Optional.empty(), s.probeInterval(), t),
                    counted + ", but concurrency was halved less than " + c.decreaseCooldown() + " ago", COOLDOWN);
        }
        int halved = Math.max(c.minConcurrency(), conc / 2);
        Duration delay = widen(s.connectionDelay(), c);
        return decide(with(s, halved, delay, 0, 0, 0, Optional.empty(), Optional.of(t), fails, Optional.empty(),
                        s.probeInterval(), t),
                counted + ": concurrency " + conc + " → " + halved + ", delay " + s.connectionDelay() + " → " + delay,
                DECREASE);
    }

    private static ThrottleDecision decide(ThrottleState n, String reason, String ruleId) {
        return new ThrottleDecision(n, n.concurrency(), n.connectionDelay(), n.dead(), n.deadUntil(), reason, ruleId);
    }

    private static ThrottleState with(ThrottleState s, int conc, Duration delay, int streak, int deferrals,
                                      int rateLimits, Optional<Instant> window, Optional<Instant> lastDecrease,
                                      int fails, Optional<Instant> deadUntil, Duration probe, Instant t) {
        return new ThrottleState(s.domain(), conc, delay, streak, deferrals, rateLimits, window, lastDecrease, fails,
                deadUntil, probe, t);
    }

    private static int clampConc(int n, ThrottleConfig c) {
        return Math.max(c.minConcurrency(), Math.min(c.maxConcurrency(), n));
    }

    private static Duration widen(Duration d, ThrottleConfig c) {
        Duration w = d.isZero() ? c.backoffBase() : d.multipliedBy(2);
        if (w.compareTo(c.backoffBase()) < 0) w = c.backoffBase();
        return min(w, c.backoffMax());
    }

    private static Duration narrow(Duration d, ThrottleConfig c) {
        Duration h = d.dividedBy(2);
        return h.compareTo(c.backoffBase()) < 0 ? Duration.ZERO : h;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
