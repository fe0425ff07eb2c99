package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.smtp.EnhancedStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing that happened on the way to a domain, as the throttle sees it.
 *
 * @param at     when it happened
 * @param kind   what it says about the destination's capacity
 * @param detail free text for the audit trail (e.g. the reply), may be ""
 */
public record ThrottleEvent(Instant at, Kind kind, String detail) {

    public enum Kind {
        /** A message was accepted: positive feedback. */
        SUCCESS,
        /** A transient failure that may be about load (4xx, greylisting): negative when sustained. */
        DEFERRAL,
        /** The destination said we are too fast or too many (421, speeding, toomanyconn, 4xx reputation). */
        RATE_LIMIT,
        /** No SMTP dialogue at all: refused, timed out, TLS or DNS failure. Counts towards a dead destination. */
        CONNECTION_FAILURE,
        /** A failure about the recipient or message, not the destination's capacity (5xx, mailbox full): neutral,
         *  but it proves the destination answers. */
        HARD_FAILURE
    }

    public ThrottleEvent {
        Objects.requireNonNull(at, "ThrottleEvent.at");
        Objects.requireNonNull(kind, "ThrottleEvent.kind");
        detail = detail == null ? "" : detail;
    }

    public static ThrottleEvent success(Instant at) { return new ThrottleEvent(at, Kind.SUCCESS, ""); }
    public static ThrottleEvent deferral(Instant at) { return new ThrottleEvent(at, Kind.DEFERRAL, ""); }
    public static ThrottleEvent rateLimit(Instant at) { return new ThrottleEvent(at, Kind.RATE_LIMIT, ""); }
    public static ThrottleEvent connectionFailure(Instant at) { return new ThrottleEvent(at, Kind.CONNECTION_FAILURE, ""); }
    public static ThrottleEvent hardFailure(Instant at) { return new ThrottleEvent(at, Kind.HARD_FAILURE, ""); }

    /**
     * Maps one attempt's classification to a throttle event, first match wins:
     * <ol>
     *   <li>delivered → SUCCESS;</li>
     *   <li>a transient failure without a reply code, or with RFC 3463 X.4.1 (no answer), X.4.2 (bad connection),
     *       X.4.3 (routing/DNS) or X.7.5 (TLS/cryptographic failure) → CONNECTION_FAILURE (this covers the
     *       delivery side's local {@code 421 4.4.1}, {@code 421 4.4.2}, {@code 451 4.4.3}, {@code 421 4.7.5});</li>
     *   <li>reason speeding or toomanyconn, X.4.5 (congestion), any other 421, or a transient reputation block
     *       (blocked, badreputation) → RATE_LIMIT;</li>
     *   <li>a transient failure about one mailbox (mailboxfull, userunknown, hasmoved, suspend, exceedlimit,
     *       mesgtoobig, filtered) → HARD_FAILURE (neutral);</li>
     *   <li>other transient failures → DEFERRAL; every final failure → HARD_FAILURE.</li>
     * </ol>
     */
    public static ThrottleEvent fromClassification(Instant at, Classification c) {
        Reason r = c.reason();
        int code = c.evidence().replyCode();
        Optional<EnhancedStatus> es = EnhancedStatus.tryParse(c.evidence().enhancedCode());
        String detail = c.ruleId() + " " + code + " " + c.evidence().enhancedCode();
        if (c.outcome() == Outcome.DELIVERED) return new ThrottleEvent(at, Kind.SUCCESS, detail);
        boolean transientFailure = c.outcome() == Outcome.DEFERRED || (code >= 400 && code <= 499);
        if (transientFailure) {
            boolean connectionLevel = code == 0 || es.map(e -> (e.subject() == 4 && e.detail() >= 1 && e.detail() <= 3)
                    || (e.subject() == 7 && e.detail() == 5)).orElse(false);
            if (connectionLevel) return new ThrottleEvent(at, Kind.CONNECTION_FAILURE, detail);
        }
        boolean congestion = es.map(e -> e.subject() == 4 && e.detail() == 5).orElse(false);
        if (r == Reason.SPEEDING || r == Reason.TOOMANYCONN || code == 421 || (transientFailure && congestion)) {
            return new ThrottleEvent(at, Kind.RATE_LIMIT, detail);
        }
        if (transientFailure) {
            if (r == Reason.BLOCKED || r == Reason.BADREPUTATION) return new ThrottleEvent(at, Kind.RATE_LIMIT, detail);
            return switch (r) {
                case MAILBOXFULL, USERUNKNOWN, HASMOVED, SUSPEND, EXCEEDLIMIT, MESGTOOBIG, FILTERED ->
                        new ThrottleEvent(at, Kind.HARD_FAILURE, detail);
                default -> new ThrottleEvent(at, Kind.DEFERRAL, detail);
            };
        }
        return new ThrottleEvent(at, Kind.HARD_FAILURE, detail);
    }
}
