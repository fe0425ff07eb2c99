package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Instant;
import java.util.Objects;

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
     * Maps one attempt's classification to a throttle event: delivered → SUCCESS; speeding/toomanyconn, a 421, or
     * a transient reputation block (blocked, badreputation) → RATE_LIMIT; a transient failure without a reply code
     * → CONNECTION_FAILURE; a transient failure about one mailbox (mailboxfull, userunknown, hasmoved, suspend,
     * exceedlimit, mesgtoobig, filtered) → HARD_FAILURE (neutral); other transient failures → DEFERRAL; every final
     * failure → HARD_FAILURE.
     */
    public static ThrottleEvent fromClassification(Instant at, Classification c) {
        Reason r = c.reason();
        int code = c.evidence().replyCode();
        String detail = c.ruleId() + " " + code + " " + c.evidence().enhancedCode();
        if (c.outcome() == Outcome.DELIVERED) return new ThrottleEvent(at, Kind.SUCCESS, detail);
        if (r == Reason.SPEEDING || r == Reason.TOOMANYCONN || code == 421) return new ThrottleEvent(at, Kind.RATE_LIMIT, detail);
        if (c.outcome() == Outcome.DEFERRED) {
            if (r == Reason.BLOCKED || r == Reason.BADREPUTATION) return new ThrottleEvent(at, Kind.RATE_LIMIT, detail);
            if (code == 0) return new ThrottleEvent(at, Kind.CONNECTION_FAILURE, detail);
            return switch (r) {
                case MAILBOXFULL, USERUNKNOWN, HASMOVED, SUSPEND, EXCEEDLIMIT, MESGTOOBIG, FILTERED ->
                        new ThrottleEvent(at, Kind.HARD_FAILURE, detail);
                default -> new ThrottleEvent(at, Kind.DEFERRAL, detail);
            };
        }
        return new ThrottleEvent(at, Kind.HARD_FAILURE, detail);
    }
}
