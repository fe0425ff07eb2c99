package dev.rebound.core.policy;

import java.time.Duration;

/**
 * Configuration of the per-domain {@link ThrottleController} and its {@link TokenBucket}.
 *
 * @param initialConcurrency          connections allowed to a fresh domain (Postfix
 *                                    initial_destination_concurrency 5)
 * @param maxConcurrency              the ceiling (Postfix default_destination_concurrency_limit 20)
 * @param minConcurrency              the floor; feedback never goes below it (≥ 1)
 * @param deferralsToDecrease         deferrals or connection failures within {@code negativeWindow} that halve
 *                                    concurrency ("sustained", not one 4xx)
 * @param rateLimitsToDecrease        rate-limit replies (421, speeding, toomanyconn, 4xx reputation) within
 *                                    {@code negativeWindow} that halve concurrency
 * @param negativeWindow              the window negative events are counted in
 * @param decreaseCooldown            at most one halving per cooldown: replies from connections opened before the
 *                                    last decrease do not halve again (RFC 5681 §3.2 reduces once per window)
 * @param successesToIncrease         successes in a row (no negative event in between) needed for each +1: the
 *                                    hysteresis that keeps the limit from oscillating
 * @param backoffBase                 the first non-zero min delay between new connections after a decrease
 * @param backoffMax                  the widest min delay between new connections
 * @param deadAfterConnectionFailures consecutive connection failures that declare the destination dead
 * @param probeBase                   first wait before probing a dead destination (Postfix minimal_backoff_time 300 s)
 * @param probeMax                    the widest wait between probes (doubles after each failed probe)
 * @param tokenRatePerSecond          messages per second per domain (token bucket rate)
 * @param tokenBurst                  token bucket capacity (burst)
 */
public record ThrottleConfig(int initialConcurrency, int maxConcurrency, int minConcurrency,
                             int deferralsToDecrease, int rateLimitsToDecrease, Duration negativeWindow,
                             Duration decreaseCooldown, int successesToIncrease,
                             Duration backoffBase, Duration backoffMax,
                             int deadAfterConnectionFailures, Duration probeBase, Duration probeMax,
                             double tokenRatePerSecond, int tokenBurst) {

    public ThrottleConfig {
        if (minConcurrency < 1 || initialConcurrency < minConcurrency || maxConcurrency < initialConcurrency) {
            throw new IllegalArgumentException("ThrottleConfig needs 1 <= minConcurrency <= initialConcurrency <= "
                    + "maxConcurrency, got minConcurrency=" + minConcurrency + " initialConcurrency="
                    + initialConcurrency + " maxConcurrency=" + maxConcurrency);
        }
        atLeastOne("deferralsToDecrease", deferralsToDecrease);
        atLeastOne("rateLimitsToDecrease", rateLimitsToDecrease);
        atLeastOne("successesToIncrease", successesToIncrease);
        atLeastOne("deadAfterConnectionFailures", deadAfterConnectionFailures);
        positive("negativeWindow", negativeWindow);
        notNegative("decreaseCooldown", decreaseCooldown);
        positive("backoffBase", backoffBase);
        positive("backoffMax", backoffMax);
        if (backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("ThrottleConfig.backoffMax must be at least backoffBase (" + backoffBase
                    + "), got " + backoffMax);
        }
        positive("probeBase", probeBase);
        positive("probeMax", probeMax);
        if (probeMax.compareTo(probeBase) < 0) {
            throw new IllegalArgumentException("ThrottleConfig.probeMax must be at least probeBase (" + probeBase
                    + "), got " + probeMax);
        }
        if (!(tokenRatePerSecond > 0 && Double.isFinite(tokenRatePerSecond))) {
            throw new IllegalArgumentException("ThrottleConfig.tokenRatePerSecond must be a positive number, got "
                    + tokenRatePerSecond);
        }
        atLeastOne("tokenBurst", tokenBurst);
    }

    /**
     * Concurrency 5 (floor 1, max 20); halve after 3 deferrals or 1 rate-limit reply within 60 s, at most once per
     * 30 s; +1 after 10 successes in a row; connection delay 1 s doubling to 5 min; dead after 5 consecutive
     * connection failures, probe after 5 min doubling to 1 h; 10 messages/s with a burst of 20.
     */
    public static ThrottleConfig defaults() {
        return new ThrottleConfig(5, 20, 1, 3, 1, Duration.ofSeconds(60), Duration.ofSeconds(30), 10,
                Duration.ofSeconds(1), Duration.ofMinutes(5), 5, Duration.ofMinutes(5), Duration.ofHours(1),
                10.0, 20);
    }

    /** The token bucket for messages per second to one domain. */
    public TokenBucket tokenBucket() {
        return new TokenBucket(tokenRatePerSecond, tokenBurst);
    }

    private static void atLeastOne(String field, int n) {
        if (n < 1) throw new IllegalArgumentException("ThrottleConfig." + field + " must be at least 1, got " + n);
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("ThrottleConfig." + field + " must be a positive duration, got " + d);
        }
    }

    private static void notNegative(String field, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("ThrottleConfig." + field + " must be zero or positive, got " + d);
        }
    }
}
