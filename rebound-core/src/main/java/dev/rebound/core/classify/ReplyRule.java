package dev.rebound.core.classify;

import java.util.Objects;

/**
 * One row of the classifier's rule table: a stable id (quoted in every {@link Classification} it decides),
 * the tier it belongs to, its condition, the reason it assigns, and an optional outcome for a final (5xx)
 * failure that overrides the reason's {@link Reason#family() family}. A 4xx is {@link Outcome#DEFERRED}
 * and a 2xx {@link Outcome#DELIVERED} whatever the rule says.
 *
 * @param id      stable identifier, e.g. {@code enh.X.1.1}, {@code text.userunknown}, {@code code.5xx}
 * @param tier    where the rule sits in the precedence order (see {@link ReplyClassifier})
 * @param when    the condition; a {@link Tier#TEXT} rule must contain a {@link Match.Text} (its anchor), a
 *                status tier rule must contain a {@link Match.Status}
 * @param reason  the reason assigned when the rule decides
 * @param outcome the outcome for a permanent failure, or null to use {@code reason.family()}
 * @param note    where the rule comes from (RFC section, provider documentation), for reviewers
 */
public record ReplyRule(String id, Tier tier, Match when, Reason reason, Outcome outcome, String note) {

    /** Precedence tiers, evaluated in declaration order (see {@link ReplyClassifier} for the full story). */
    public enum Tier {
        /** Specific RFC 3463 codes that no reply text overrides (X.2.2 mailbox full, X.7.26 auth failure...). */
        STATUS_FIRM,
        /** Phrases of real receivers' replies, most specific first. */
        TEXT,
        /** Where the reply came from: the SMTP phase, or a DSN without reply code. */
        CONTEXT,
        /** Generic RFC 3463 codes (X.1.1, X.7.1, X.0.0...): used when no text rule matched. */
        STATUS,
        /** The bare reply code. */
        CODE
    }

    public ReplyRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(reason, "reason");
        note = note == null ? "" : note;
        if (outcome == Outcome.DEFERRED) {
            throw new IllegalArgumentException("rule " + id + ": a 5xx is never DEFERRED; the reply code decides that");
        }
    }

    /** The {@link Match.Text} anchor of a text rule (the first one, depth first), or null. */
    Match.Text anchor() {
        return first(when, Match.Text.class);
    }

    /** The {@link Match.Status} of a status rule (the first one, depth first), or null. */
    Match.Status statusKey() {
        return first(when, Match.Status.class);
    }

    /** The first matcher of {@code type} in {@code m}, depth first through {@link Match.All}, or null. */
    private static <T extends Match> T first(Match m, Class<T> type) {
        if (type.isInstance(m)) return type.cast(m);
        if (m instanceof Match.All a) {
            for (Match x : a.all()) {
                T found = first(x, type);
                if (found != null) return found;
            }
        }
        return null;
    }
}
