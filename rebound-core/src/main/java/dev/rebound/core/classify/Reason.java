package dev.rebound.core.classify;

import java.util.Locale;
import java.util.Optional;

/**
 * Fine-grained reasons, named as in Sisimai v5.2 so that labels are comparable across tools.
 * Each reason declares the outcome family it belongs to when the failure is final; a transient (4xx)
 * reply with any failure reason is still {@link Outcome#DEFERRED} until the retry policy gives up.
 */
public enum Reason {
    // The mailbox or domain itself is gone: hard bounces.
    USERUNKNOWN(Outcome.BOUNCED_HARD, "the mailbox does not exist"),
    HOSTUNKNOWN(Outcome.BOUNCED_HARD, "the recipient domain does not exist or has no mail host"),
    HASMOVED(Outcome.BOUNCED_HARD, "the mailbox has moved (RFC 3463 X.1.6)"),
    NOTACCEPT(Outcome.BOUNCED_HARD, "the domain accepts no mail (null MX, RFC 7505)"),
    // Mailbox-side problems that may clear: soft bounces.
    MAILBOXFULL(Outcome.BOUNCED_SOFT, "the mailbox is full (RFC 3463 X.2.2, persistent transient)"),
    EXCEEDLIMIT(Outcome.BOUNCED_SOFT, "the message exceeds the recipient's size limit (X.2.3)"),
    MESGTOOBIG(Outcome.BOUNCED_SOFT, "the message is too big for the system (X.3.4)"),
    SUSPEND(Outcome.BOUNCED_SOFT, "the mailbox is suspended or disabled"),
    FILTERED(Outcome.BOUNCED_SOFT, "the recipient's filter or a local rule refused the message"),
    SYSTEMERROR(Outcome.BOUNCED_SOFT, "an error on the receiving system"),
    SYSTEMFULL(Outcome.BOUNCED_SOFT, "the receiving system is out of storage (X.3.1)"),
    NETWORKERROR(Outcome.BOUNCED_SOFT, "network or DNS error reaching the destination"),
    EXPIRED(Outcome.BOUNCED_SOFT, "delivery time expired before the message could be delivered"),
    MAILERERROR(Outcome.BOUNCED_SOFT, "the receiving mailer program failed"),
    CONTENTERROR(Outcome.BOUNCED_SOFT, "the message content is malformed or not accepted"),
    ONHOLD(Outcome.BOUNCED_SOFT, "the bounce could not be attributed to a decisive reason yet"),
    UNDEFINED(Outcome.BOUNCED_SOFT, "a failure with no recognisable reason"),
    SYNTAXERROR(Outcome.BOUNCED_SOFT, "an SMTP syntax error (X.5.x, 500/501)"),
    // About the sender, its IP, its authentication or content policy: blocks.
    REJECTED(Outcome.BLOCKED_POLICY, "the envelope sender was rejected"),
    BLOCKED(Outcome.BLOCKED_POLICY, "the sending IP or host is blocked"),
    BADREPUTATION(Outcome.BLOCKED_POLICY, "the sender's reputation is too low"),
    REQUIREPTR(Outcome.BLOCKED_POLICY, "the sending IP has no (matching) PTR record"),
    AUTHFAILURE(Outcome.BLOCKED_POLICY, "SPF, DKIM or DMARC authentication failed"),
    POLICYVIOLATION(Outcome.BLOCKED_POLICY, "a local policy of the receiver was violated"),
    SPAMDETECTED(Outcome.BLOCKED_POLICY, "the message was judged to be spam"),
    VIRUSDETECTED(Outcome.BLOCKED_POLICY, "the message was judged to contain a virus"),
    SECURITYERROR(Outcome.BLOCKED_POLICY, "a security problem (authentication required, TLS, ...)"),
    NORELAYING(Outcome.BLOCKED_POLICY, "the host refused to relay"),
    TOOMANYCONN(Outcome.BLOCKED_POLICY, "too many connections from the sender"),
    SPEEDING(Outcome.BLOCKED_POLICY, "the sender exceeded a rate limit"),
    FAILEDSTARTTLS(Outcome.BLOCKED_POLICY, "STARTTLS was required or failed"),
    NOTCOMPLIANTRFC(Outcome.BLOCKED_POLICY, "the message does not comply with the RFCs"),
    SUPPRESSED(Outcome.BOUNCED_HARD, "the recipient is on a suppression list"),
    // Not failures.
    VACATION(Outcome.DELIVERED, "an auto-reply (RFC 3834), not a bounce"),
    FEEDBACK(Outcome.COMPLAINT, "a feedback (complaint) report, RFC 5965"),
    DELIVERED(Outcome.DELIVERED, "the message was delivered");

    private final Outcome family;
    private final String description;

    Reason(Outcome family, String description) {
        this.family = family;
        this.description = description;
    }

    /** The Sisimai-style name, e.g. {@code userunknown}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome this reason leads to when the failure is final. */
    public Outcome family() {
        return family;
    }

    public String description() {
        return description;
    }

    /** True when the reason says the mailbox itself is gone (Sisimai v5's hardbounce, before code checks). */
    public boolean isRecipientGone() {
        return this == USERUNKNOWN || this == HOSTUNKNOWN || this == HASMOVED || this == NOTACCEPT;
    }

    /** Looks up a reason by its Sisimai-style name; empty for unknown names. */
    public static Optional<Reason> fromId(String id) {
        if (id == null) return Optional.empty();
        for (Reason r : values()) {
            if (r.id().equals(id.trim().toLowerCase(Locale.ROOT))) return Optional.of(r);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return id();
    }
}
