package dev.rebound.core.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Input of the domain circuit breaker: how many distinct recipients of one domain were tried in a short window
 * the caller chose (e.g. the last hour), and how many of them ended in a failure. When a large share fails at
 * once, the cause is the domain (an outage or a block), not the mailboxes, so suppressions become reviews.
 *
 * @param domain            the recipient domain
 * @param window            the window the counts cover (kept for the audit trail)
 * @param recipients        distinct recipients of the domain tried in the window
 * @param failingRecipients how many of them failed (any non-delivered final outcome or exhausted deferral)
 */
public record DomainHealth(String domain, Duration window, int recipients, int failingRecipients) {
    public DomainHealth {
        Objects.requireNonNull(domain, "DomainHealth.domain");
        Objects.requireNonNull(window, "DomainHealth.window");
        if (recipients < 0 || failingRecipients < 0 || failingRecipients > recipients) {
            throw new IllegalArgumentException("DomainHealth for " + domain + ": need 0 <= failingRecipients <= "
                    + "recipients, got failingRecipients=" + failingRecipients + " recipients=" + recipients);
        }
    }

    /** No counts known: the breaker stays closed. */
    public static DomainHealth unknown(String domain) {
        return new DomainHealth(domain, Duration.ZERO, 0, 0);
    }

    /** The share of failing recipients, 0 when none were tried. */
    public double failingShare() {
        return recipients == 0 ? 0.0 : (double) failingRecipients / recipients;
    }

    /**
     * Enough recipients were tried in the window for the breaker to judge the domain (at least
     * {@code breakerMinRecipients}); below that a failure may be the first of an outage.
     */
    public boolean judged(SuppressionConfig c) {
        return recipients >= c.breakerMinRecipients();
    }

    /** The breaker is open: enough recipients tried, and at least the configured share failed. */
    public boolean unhealthy(SuppressionConfig c) {
        return judged(c)
                && (double) failingRecipients >= c.breakerFailureShare() * recipients;
    }
}
