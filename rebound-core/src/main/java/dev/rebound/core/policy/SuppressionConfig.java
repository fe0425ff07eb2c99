package dev.rebound.core.policy;

import dev.rebound.core.classify.Reason;
import java.time.Duration;

/**
 * Thresholds and expiries of the {@link SuppressionPolicy}. All durations are positive; all message counts for
 * soft evidence are at least 2, so that one soft bounce can never suppress whatever the configuration.
 *
 * @param userUnknownExpiry   suppression after a hard userunknown (X.1.1): long, the mailbox is gone
 * @param hasMovedExpiry      after hasmoved (X.1.6)
 * @param hostUnknownExpiry   after hostunknown (NXDOMAIN, X.1.2): shorter, domains come back or get registered
 * @param notAcceptExpiry     after notaccept (null MX, RFC 7505)
 * @param complaintExpiry     after a complaint (feedback report)
 * @param softReviewMessages  final soft failures (distinct messages) that make a {@link Review}...
 * @param softReviewSpan      ...when the first and last of them are at least this far apart
 * @param softSuppressMessages final soft failures (distinct messages, consecutive: no delivery in between) that
 *                            suppress...
 * @param softSuppressSpan    ...when they span at least this long
 * @param mailboxFullMessages final mailbox-full failures (distinct messages) that suppress an abandoned mailbox...
 * @param mailboxFullSpan     ...when mailbox full persisted at least this long
 * @param softSuppressExpiry  expiry of a suppression derived from soft evidence (short)
 * @param softEvidenceWindow  soft failures older than this (before now) are no longer counted
 * @param breakerFailureShare the domain circuit breaker opens when at least this share (0–1] of the domain's
 *                            recipients failed in the caller's window...
 * @param breakerMinRecipients ...and at least this many recipients were tried in it (small samples are noise)
 * @param provisionalHold     how long a recipient-gone hard bounce stays a provisional review when its domain had
 *                            fewer than {@code breakerMinRecipients} recipients in the window (the breaker cannot
 *                            tell an outage from one gone mailbox yet); zero turns the hold off (such a bounce
 *                            suppresses at once, as at a busy healthy domain)
 */
public record SuppressionConfig(Duration userUnknownExpiry, Duration hasMovedExpiry, Duration hostUnknownExpiry,
                                Duration notAcceptExpiry, Duration complaintExpiry,
                                int softReviewMessages, Duration softReviewSpan,
                                int softSuppressMessages, Duration softSuppressSpan,
                                int mailboxFullMessages, Duration mailboxFullSpan,
                                Duration softSuppressExpiry, Duration softEvidenceWindow,
                                double breakerFailureShare, int breakerMinRecipients, Duration provisionalHold) {

    public SuppressionConfig {
        positive("userUnknownExpiry", userUnknownExpiry);
        positive("hasMovedExpiry", hasMovedExpiry);
        positive("hostUnknownExpiry", hostUnknownExpiry);
        positive("notAcceptExpiry", notAcceptExpiry);
        positive("complaintExpiry", complaintExpiry);
        atLeastTwo("softReviewMessages", softReviewMessages);
        positive("softReviewSpan", softReviewSpan);
        atLeastTwo("softSuppressMessages", softSuppressMessages);
        positive("softSuppressSpan", softSuppressSpan);
        atLeastTwo("mailboxFullMessages", mailboxFullMessages);
        positive("mailboxFullSpan", mailboxFullSpan);
        positive("softSuppressExpiry", softSuppressExpiry);
        positive("softEvidenceWindow", softEvidenceWindow);
        if (!(breakerFailureShare > 0.0 && breakerFailureShare <= 1.0)) {
            throw new IllegalArgumentException("SuppressionConfig.breakerFailureShare must be in (0, 1] (0.5 = half "
                    + "the domain's recipients), got " + breakerFailureShare);
        }
        if (breakerMinRecipients < 1) {
            throw new IllegalArgumentException("SuppressionConfig.breakerMinRecipients must be at least 1, got "
                    + breakerMinRecipients);
        }
        if (provisionalHold == null || provisionalHold.isNegative()) {
            throw new IllegalArgumentException("SuppressionConfig.provisionalHold must be zero (off) or a positive "
                    + "duration, got " + provisionalHold);
        }
    }

    /**
     * userunknown/hasmoved 365 d, hostunknown 30 d, notaccept 90 d, complaint 3650 d; Review after 3 final soft
     * failures over ≥ 72 h; suppress for 30 d after 5 consecutive final soft failures over ≥ 30 d or mailbox full
     * on 2 messages ≥ 30 d apart; soft evidence older than 120 d ignored; breaker at ≥ 50 % of ≥ 20 recipients;
     * a hard bounce at a domain with fewer than 20 recipients in the window is a provisional review for 15 min.
     */
    public static SuppressionConfig defaults() {
        return new SuppressionConfig(Duration.ofDays(365), Duration.ofDays(365), Duration.ofDays(30),
                Duration.ofDays(90), Duration.ofDays(3650),
                3, Duration.ofHours(72), 5, Duration.ofDays(30), 2, Duration.ofDays(30),
                Duration.ofDays(30), Duration.ofDays(120), 0.5, 20, Duration.ofMinutes(15));
    }

    /** How long a hard bounce of a recipient-gone reason suppresses; null for other reasons. */
    public Duration hardExpiry(Reason r) {
        return switch (r) {
            case USERUNKNOWN -> userUnknownExpiry;
            case HASMOVED -> hasMovedExpiry;
            case HOSTUNKNOWN -> hostUnknownExpiry;
            case NOTACCEPT -> notAcceptExpiry;
            default -> null;
        };
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("SuppressionConfig." + field + " must be a positive duration, got " + d);
        }
    }

    private static void atLeastTwo(String field, int n) {
        if (n < 2) {
            throw new IllegalArgumentException("SuppressionConfig." + field + " must be at least 2 (one soft bounce "
                    + "never suppresses), got " + n);
        }
    }
}
