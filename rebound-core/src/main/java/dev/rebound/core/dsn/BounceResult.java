package dev.rebound.core.dsn;

import java.util.List;

/** What {@link BounceParser#parse(byte[])} found in one email. */
public sealed interface BounceResult {

    /** A delivery status notification (standard or not): one record per recipient it reports on. */
    record Bounces(List<BounceRecord> records) implements BounceResult {
        public Bounces {
            records = List.copyOf(records);
        }
    }

    /** An ARF feedback report (RFC 5965): records carry the feedback type, outcome COMPLAINT. */
    record Complaint(List<BounceRecord> records) implements BounceResult {
        public Complaint {
            records = List.copyOf(records);
        }
    }

    /**
     * An automatic reply (RFC 3834: vacation, out of office). Not a delivery failure: reason {@code vacation},
     * no delivery outcome.
     *
     * @param responder the address that replied (its From), or ""
     * @param subject   the reply's subject
     * @param marker    what identified it (e.g. "Auto-Submitted: auto-replied")
     * @param ruleId    the rule id, {@code dsn.autoreply.*}
     */
    record AutoReply(String responder, String subject, String marker, String ruleId) implements BounceResult {}

    /** Parsed fine, but the email is not a bounce, complaint or auto-reply; {@code why} says what was missing. */
    record NotABounce(String why) implements BounceResult {}

    /** The bytes could not be read as an email at all. */
    record Unparseable(String error) implements BounceResult {}

    /** The per-recipient records of a bounce or complaint; empty otherwise. */
    default List<BounceRecord> records() {
        return switch (this) {
            case Bounces b -> b.records;
            case Complaint c -> c.records;
            default -> List.of();
        };
    }
}
