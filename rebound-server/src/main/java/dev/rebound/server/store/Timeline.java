package dev.rebound.server.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One page of an address's history in time order: its recipients' acceptance, every attempt (with its reply lines),
 * every DSN record and provider event, every decision taken on them (the retry policy's or the evidence policy's, with
 * its rule) and every change of its suppression list entries (the audit trail).
 *
 * @param entries    at most the page's limit, oldest first
 * @param nextCursor where the next page starts; empty on the last page
 */
public record Timeline(String address, Optional<String> stream, List<Entry> entries, Optional<Cursor> nextCursor) {

    /**
     * The total order of the timeline: time (epoch milliseconds), then the kind of row (acceptance before attempts and
     * evidence, those before suppression changes made in the same millisecond), then the row id, then 0 for the row
     * and 1 for the decision taken on it. A cursor is the key of the last entry of a page; the next page starts after it.
     */
    public record Cursor(long at, int rank, String id, int sub) implements Comparable<Cursor> {
        static final int ACCEPTED = 0, EVIDENCE = 1, SUPPRESSION = 2;
        private static final Comparator<Cursor> ORDER = Comparator.comparingLong(Cursor::at).thenComparingInt(Cursor::rank)
                .thenComparing(Cursor::id).thenComparingInt(Cursor::sub);

        @Override
        public int compareTo(Cursor o) {
            return ORDER.compare(this, o);
        }

        /** The opaque text form ({@code at.rank.id.sub}), as the API hands it out. */
        public String text() {
            return at + "." + rank + "." + id + "." + sub;
        }

        /** Parses {@link #text()}; empty when the text is not a cursor this store handed out. */
        public static Optional<Cursor> parse(String text) {
            String[] p = text == null ? new String[0] : text.strip().split("\\.", -1);
            if (p.length != 4 || !p[2].matches("[0-9a-f]{1,64}")) return Optional.empty();
            try {
                int rank = Integer.parseInt(p[1]), sub = Integer.parseInt(p[3]);
                if (rank < ACCEPTED || rank > SUPPRESSION || sub < 0 || sub > 1) return Optional.empty();
                return Optional.of(new Cursor(Long.parseLong(p[0]), rank, p[2], sub));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** One entry; {@link #key()} orders them. */
    public sealed interface Entry {
        Cursor key();

        default Instant at() {
            return Instant.ofEpochMilli(key().at());
        }

        String stream();
    }

    /**
     * A message accepted for the address (the recipient row): its initial state is QUEUED, or SUPPRESSED when the
     * suppression list refused it at intake (then a {@link Decision} with the suppression's rule follows).
     */
    public record Accepted(Cursor key, String recipientId, String messageId, String stream, String address,
                           RecipientState initialState, String mailFrom, String headerMessageId, String source) implements Entry {}

    /** A delivery attempt with its reply lines and classification. */
    public record AttemptEntry(Cursor key, String recipientId, String messageId, String stream, String address,
                               MessageView.AttemptView attempt) implements Entry {}

    /** A DSN record or a provider event, with its raw payload. */
    public record EvidenceEntry(Cursor key, EvidenceView evidence) implements Entry {
        @Override
        public String stream() {
            return evidence.stream();
        }
    }

    /**
     * A decision taken on the row before it ({@code ref}): after an attempt the retry policy's (the recipient's new
     * state, its reason, the next attempt), after evidence the evidence policy's (and the suppression rule consulted),
     * at intake the suppression list's.
     *
     * @param source {@code attempt}, {@code dsn}, {@code provider} or {@code intake}
     * @param state  the recipient's state after it ("" when the evidence changed nothing)
     */
    public record Decision(Cursor key, String source, String ref, String recipientId, String messageId, String stream,
                           String state, String reason, String ruleId, Optional<Instant> nextAttemptAt,
                           String suppressionRule) implements Entry {}

    /** A change of the address's suppression list entry on a stream (an audit row). */
    public record SuppressionChange(Cursor key, SuppressionAudit audit) implements Entry {
        @Override
        public String stream() {
            return audit.stream();
        }
    }
}
