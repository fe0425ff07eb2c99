package dev.rebound.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A difference between an address's suppression entry on a stream as stored and as replay decides it.
 *
 * @param before the entry stored (active) at the replay's end, if any
 * @param after  the entry the replayed decisions lead to (active at the replay's end), if any
 */
public record ReplayChange(String address, String stream, Kind kind, Optional<Suppression> before, Optional<Suppression> after) {

    /** What would change. */
    public enum Kind {
        /** none → SUPPRESSED */ ADDED,
        /** none → REVIEW */ REVIEW_ADDED,
        /** SUPPRESSED or REVIEW → none */ REMOVED,
        /** SUPPRESSED → REVIEW */ TO_REVIEW,
        /** REVIEW → SUPPRESSED */ TO_SUPPRESSED,
        /** the same state with another reason, rule or expiry */ CHANGED;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The rule a change is counted under: the new entry's, or for a removal the removed one's. */
    public String ruleId() {
        return after.map(Suppression::ruleId).orElseGet(() -> before.map(Suppression::ruleId).orElse(""));
    }

    /** The change between two entries, empty when they agree (state, reason, rule, expiry; creation time and evidence aside). */
    public static Optional<ReplayChange> between(String address, String stream, Optional<Suppression> before, Optional<Suppression> after) {
        if (before.isEmpty() && after.isEmpty()) return Optional.empty();
        Kind k;
        if (before.isEmpty()) k = after.get().state() == SuppressionState.SUPPRESSED ? Kind.ADDED : Kind.REVIEW_ADDED;
        else if (after.isEmpty()) k = Kind.REMOVED;
        else if (before.get().state() != after.get().state()) k = after.get().state() == SuppressionState.REVIEW ? Kind.TO_REVIEW : Kind.TO_SUPPRESSED;
        else if (same(before.get(), after.get())) return Optional.empty();
        else k = Kind.CHANGED;
        return Optional.of(new ReplayChange(address, stream, k, before, after));
    }

    /** Whether two entries decide the same: state, reason, rule and expiry. */
    public static boolean same(Suppression a, Suppression b) {
        return a.state() == b.state() && a.reason().equals(b.reason()) && a.ruleId().equals(b.ruleId())
                && a.expiresAt().map(Instant::toEpochMilli).equals(b.expiresAt().map(Instant::toEpochMilli));
    }

    /** Whether {@code s} is in force at {@code at} (no expiry, or one after it). */
    public static boolean active(Suppression s, Instant at) {
        return s.expiresAt().map(exp -> exp.isAfter(at)).orElse(true);
    }

    public ReplayChange {
        Objects.requireNonNull(kind, "kind");
    }
}
