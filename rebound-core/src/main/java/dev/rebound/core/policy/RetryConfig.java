package dev.rebound.core.policy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the retry schedule for one message to one recipient.
 *
 * <p>Schedules are lists of <em>gaps</em>: entry {@code i} of {@link #schedule()} is the delay of attempt
 * {@code i+1} after attempt {@code i} (entry 0: the delay of attempt 1 after the message was queued). With the
 * defaults {@code [0, 5m, 15m, 1h, 6h]} attempt 1 runs at queue time, attempt 2 five minutes after attempt 1,
 * attempt 3 fifteen minutes after attempt 2, and so on (cumulative 0, 5m, 20m, 1h20m, 7h20m, before jitter).
 * When more attempts are allowed than the schedule has entries, the last gap repeats.
 *
 * <p>{@link #mailboxFullSchedule()} holds the gaps used after an attempt that failed with mailbox full
 * (reason mailboxfull or RFC 3463 X.2.2): entry 0 is the gap after attempt 1, entry 1 after attempt 2, ...
 *
 * @param schedule                gaps before each attempt (see above); at least one entry, none negative
 * @param mailboxFullSchedule     gaps after a mailbox-full failure; at least one entry, all positive
 * @param maxAttempts             the most attempts ever made for one message to one recipient (≥ 1)
 * @param maxAge                  no attempt at or after queuedAt + maxAge (positive)
 * @param jitterFraction          each retry gap is stretched by a deterministic fraction in [0, jitterFraction)
 *                                of itself (0 ≤ f ≤ 1); jitter never shortens a gap, so a greylisting or wait
 *                                hint minimum is never undercut
 * @param minRetryDelay           the shortest gap ever used for a retry, also for wait hints (positive)
 * @param maxHonouredHint         a wait hint in the reply text ("try again in 5 minutes") longer than this is
 *                                cut down to it (≥ minRetryDelay)
 * @param retryPermanentMailboxFull whether a 5xx reply that says mailbox full (X.2.2, "persistent transient" per
 *                                RFC 3463 §3.3) is retried on the mailbox-full schedule; named exception
 *                                {@code retry.5xx-exception.mailboxfull}
 */
public record RetryConfig(List<Duration> schedule, List<Duration> mailboxFullSchedule, int maxAttempts,
                          Duration maxAge, double jitterFraction, Duration minRetryDelay,
                          Duration maxHonouredHint, boolean retryPermanentMailboxFull) {

    public RetryConfig {
        schedule = checkSchedule("schedule", schedule, false);
        mailboxFullSchedule = checkSchedule("mailboxFullSchedule", mailboxFullSchedule, true);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("RetryConfig.maxAttempts must be at least 1, got " + maxAttempts
                    + "; use 1 to disable retries");
        }
        Objects.requireNonNull(maxAge, "RetryConfig.maxAge must be set (e.g. PT24H)");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("RetryConfig.maxAge must be positive, got " + maxAge);
        }
        if (!(jitterFraction >= 0.0 && jitterFraction <= 1.0)) {
            throw new IllegalArgumentException("RetryConfig.jitterFraction must be between 0 and 1 (0.1 = 10 %), got "
                    + jitterFraction);
        }
        Objects.requireNonNull(minRetryDelay, "RetryConfig.minRetryDelay must be set (e.g. PT1M)");
        if (minRetryDelay.isNegative() || minRetryDelay.isZero()) {
            throw new IllegalArgumentException("RetryConfig.minRetryDelay must be positive, got " + minRetryDelay);
        }
        Objects.requireNonNull(maxHonouredHint, "RetryConfig.maxHonouredHint must be set (e.g. PT6H)");
        if (maxHonouredHint.compareTo(minRetryDelay) < 0) {
            throw new IllegalArgumentException("RetryConfig.maxHonouredHint must be at least minRetryDelay ("
                    + minRetryDelay + "), got " + maxHonouredHint);
        }
    }

    /** attempts at 0, +5m, +15m, +1h, +6h (gaps); mailbox full +30m, +2h, +6h, +12h; 5 attempts; 24 h; 10 % jitter. */
    public static RetryConfig defaults() {
        return new RetryConfig(
                List.of(Duration.ZERO, Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1),
                        Duration.ofHours(6)),
                List.of(Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(6), Duration.ofHours(12)),
                5, Duration.ofHours(24), 0.10, Duration.ofMinutes(1), Duration.ofHours(6), true);
    }

    public RetryConfig withMaxAttempts(int n) {
        return new RetryConfig(schedule, mailboxFullSchedule, n, maxAge, jitterFraction, minRetryDelay,
                maxHonouredHint, retryPermanentMailboxFull);
    }

    public RetryConfig withMaxAge(Duration d) {
        return new RetryConfig(schedule, mailboxFullSchedule, maxAttempts, d, jitterFraction, minRetryDelay,
                maxHonouredHint, retryPermanentMailboxFull);
    }

    public RetryConfig withJitterFraction(double f) {
        return new RetryConfig(schedule, mailboxFullSchedule, maxAttempts, maxAge, f, minRetryDelay,
                maxHonouredHint, retryPermanentMailboxFull);
    }

    /** The gap before attempt {@code number} (1-based) on the normal schedule; the last entry repeats. */
    Duration gapBefore(int number) {
        return schedule.get(Math.min(number - 1, schedule.size() - 1));
    }

    /** The gap after mailbox-full attempt {@code number} (1-based); the last entry repeats. */
    Duration mailboxFullGapAfter(int number) {
        return mailboxFullSchedule.get(Math.min(number - 1, mailboxFullSchedule.size() - 1));
    }

    private static List<Duration> checkSchedule(String field, List<Duration> s, boolean allPositive) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("RetryConfig." + field + " must list at least one delay, got " + s);
        }
        for (int i = 0; i < s.size(); i++) {
            Duration d = s.get(i);
            if (d == null || d.isNegative() || (allPositive && d.isZero())) {
                throw new IllegalArgumentException("RetryConfig." + field + "[" + i + "] must be "
                        + (allPositive ? "positive" : "zero or positive") + ", got " + d + " in " + s);
            }
        }
        return List.copyOf(s);
    }
}
