package dev.rebound.server.store;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * An address that is not sent to on {@code stream} (or, in state {@link SuppressionState#REVIEW}, one a policy
 * flagged for a human), why, by which rule, and the attempt or evidence that proved it.
 *
 * @param evidenceRef the cause: the id of the attempt or of the evidence row (DSN, provider event) the policy decided
 *                    on; "" for manual and imported entries
 * @param origin      {@code policy} (a decision of the core SuppressionPolicy), {@code manual} (added through the API) or
 *                    {@code import} (bulk import)
 * @param note        the free-text why of a manual or imported entry ("" for policy entries, whose why is the rule)
 */
public record Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                          Optional<Instant> expiresAt, String evidenceRef, SuppressionState state, String origin, String note) {
    public static final String POLICY = "policy", MANUAL = "manual", IMPORT = "import";

    public Suppression {
        expiresAt = expiresAt == null ? Optional.empty() : expiresAt;
        evidenceRef = evidenceRef == null ? "" : evidenceRef;
        state = state == null ? SuppressionState.SUPPRESSED : state;
        origin = origin == null || origin.isEmpty() ? POLICY : origin;
        note = note == null ? "" : note;
    }

    /** An entry decided by a policy. */
    public Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                       Optional<Instant> expiresAt, String evidenceRef, SuppressionState state) {
        this(address, stream, reason, ruleId, createdAt, expiresAt, evidenceRef, state, POLICY, "");
    }

    /** An entry that suppresses, decided by a policy. */
    public Suppression(String address, String stream, String reason, String ruleId, Instant createdAt,
                       Optional<Instant> expiresAt, String evidenceRef) {
        this(address, stream, reason, ruleId, createdAt, expiresAt, evidenceRef, SuppressionState.SUPPRESSED);
    }

    public Suppression withEvidenceRef(String ref) {
        return new Suppression(address, stream, reason, ruleId, createdAt, expiresAt, ref, state, origin, note);
    }

    Suppression lowerCased() {
        return new Suppression(address.toLowerCase(Locale.ROOT), stream, reason, ruleId, createdAt, expiresAt, evidenceRef, state, origin, note);
    }

    /**
     * Whether the entry records the recipient's own complaint (a feedback report, RFC 5965; or an entry imported or
     * added with reason {@code complaint}): lifting it needs {@code force} and the admin scope, since no delivery
     * problem caused it and sending again goes against what the recipient asked for.
     */
    public boolean complaint() {
        return "suppress.complaint".equals(ruleId) || "feedback".equals(reason) || "complaint".equals(reason);
    }
}
