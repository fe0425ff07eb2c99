package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An address's timeline ({@link Timeline}), read with one statement per source whatever its length: recipients (the
 * messages accepted for it), attempts, evidence and the suppression audit, each ordered by the timeline's key and cut at
 * the page's limit + 1, then merged. Decisions are not a table: they are the decision columns of the attempt and
 * evidence rows (and the intake state of a recipient), emitted right after their row.
 *
 * <p>Paging. Each source's statement starts strictly after the cursor (time, then id for rows of the cursor's own
 * kind), so a page never repeats or skips a row. A source that returned limit + 1 rows may hold more rows after its last
 * one; the merged page is therefore cut at the smallest last key of such sources, which keeps it complete: the limit
 * smallest keys of the union are all at or before that key.
 */
final class TimelineTables {
    private final Database db;

    TimelineTables(Database db) {
        this.db = db;
    }

    Timeline timeline(String address, Optional<String> stream, Optional<Timeline.Cursor> after, int limit) {
        String a = address.strip().toLowerCase(Locale.ROOT);
        return db.read(c -> {
            List<Timeline.Entry> all = new ArrayList<>();
            Timeline.Cursor bound = null;
            bound = min(bound, accepted(c, a, stream, after, limit, all));
            bound = min(bound, attempts(c, a, stream, after, limit, all));
            bound = min(bound, evidence(c, a, stream, after, limit, all));
            bound = min(bound, audit(c, a, stream, after, limit, all));
            final Timeline.Cursor cut = bound;
            List<Timeline.Entry> page = all.stream()
                    .filter(e -> after.isEmpty() || e.key().compareTo(after.get()) > 0)
                    .filter(e -> cut == null || e.key().compareTo(cut) <= 0)
                    .sorted((x, y) -> x.key().compareTo(y.key()))
                    .toList();
            boolean more = page.size() > limit || cut != null;
            List<Timeline.Entry> entries = page.size() > limit ? List.copyOf(page.subList(0, limit)) : page;
            Optional<Timeline.Cursor> next = more && !entries.isEmpty() ? Optional.of(entries.getLast().key()) : Optional.empty();
            return new Timeline(a, stream, entries, next);
        });
    }

    private static Timeline.Cursor min(Timeline.Cursor a, Timeline.Cursor b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The condition "this source's key is after the cursor" on its time and id columns, for a source whose rows have
     * {@code rank}; its parameters are added to {@code args}.
     */
    private static String after(String atColumn, String idColumn, int rank, Optional<Timeline.Cursor> after, List<Object> args) {
        if (after.isEmpty()) return "";
        Timeline.Cursor k = after.get();
        args.add(k.at());
        if (rank > k.rank()) return " AND " + atColumn + " >= ?";
        if (rank < k.rank()) return " AND " + atColumn + " > ?";
        // same kind: later time, or the same time and an id not before the cursor's (its decision may follow it)
        args.add(k.at());
        args.add(k.id());
        return " AND (" + atColumn + " > ? OR (" + atColumn + " = ? AND " + idColumn + " >= ?))";
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        int i = 1;
        for (Object o : args) {
            if (o instanceof Long l) ps.setLong(i++, l);
            else if (o instanceof Integer n) ps.setInt(i++, n);
            else ps.setString(i++, (String) o);
        }
    }

    /** Returns the key of the last row read when the source was cut at its limit (more may follow), else null. */
    private static Timeline.Cursor accepted(Connection c, String a, Optional<String> stream, Optional<Timeline.Cursor> after, int limit,
                                            List<Timeline.Entry> out) throws SQLException {
        List<Object> args = new ArrayList<>();
        args.add(a);
        StringBuilder sql = new StringBuilder("""
                SELECT r.id, r.message_id, m.stream, m.created_at, r.initial_state, r.address, m.mail_from, m.header_message_id,
                    m.source, r.last_reason, r.last_rule
                FROM recipients r JOIN messages m ON m.id = r.message_id WHERE LOWER(r.address) = ?""");
        if (stream.isPresent()) { sql.append(" AND m.stream = ?"); args.add(stream.get()); }
        sql.append(after("m.created_at", "r.id", Timeline.Cursor.ACCEPTED, after, args));
        sql.append(" ORDER BY m.created_at, r.id LIMIT ?");
        args.add(limit + 1);
        int rows = 0;
        Timeline.Cursor last = null;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    long at = rs.getLong(4);
                    String id = rs.getString(1);
                    RecipientState initial = RecipientState.valueOf(rs.getString(5));
                    last = new Timeline.Cursor(at, Timeline.Cursor.ACCEPTED, id, 0);
                    out.add(new Timeline.Accepted(last, id, rs.getString(2), rs.getString(3), rs.getString(6), initial,
                            rs.getString(7), Rows.text(rs, 8), rs.getString(9)));
                    if (initial == RecipientState.SUPPRESSED) {
                        out.add(new Timeline.Decision(new Timeline.Cursor(at, Timeline.Cursor.ACCEPTED, id, 1), "intake", id, id,
                                rs.getString(2), rs.getString(3), initial.name(), Rows.text(rs, 10), Rows.text(rs, 11), Optional.empty(), ""));
                    }
                }
            }
        }
        return rows > limit ? last : null;
    }

    private static Timeline.Cursor attempts(Connection c, String a, Optional<String> stream, Optional<Timeline.Cursor> after, int limit,
                                            List<Timeline.Entry> out) throws SQLException {
        List<Object> args = new ArrayList<>();
        args.add(a);
        StringBuilder sql = new StringBuilder("SELECT a.recipient_id, a.message_id, m.stream, r.address, " + MessageTables.ATTEMPT_COLUMNS
                + " FROM attempts a JOIN recipients r ON r.id = a.recipient_id JOIN messages m ON m.id = a.message_id WHERE LOWER(r.address) = ?");
        if (stream.isPresent()) { sql.append(" AND m.stream = ?"); args.add(stream.get()); }
        sql.append(after("a.started_at", "a.id", Timeline.Cursor.EVIDENCE, after, args));
        sql.append(" ORDER BY a.started_at, a.id LIMIT ?");
        args.add(limit + 1);
        int rows = 0;
        Timeline.Cursor last = null;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    MessageView.AttemptView v = MessageTables.attempt(rs, 5);
                    long at = v.startedAt().toEpochMilli();
                    last = new Timeline.Cursor(at, Timeline.Cursor.EVIDENCE, v.id(), 1);
                    String rid = rs.getString(1), mid = rs.getString(2), st = rs.getString(3);
                    out.add(new Timeline.AttemptEntry(new Timeline.Cursor(at, Timeline.Cursor.EVIDENCE, v.id(), 0), rid, mid, st, rs.getString(4), v));
                    out.add(new Timeline.Decision(last, "attempt", v.id(), rid, mid, st, v.decision(), v.decisionReason(), v.decisionRule(),
                            v.nextAttemptAt(), ""));
                }
            }
        }
        return rows > limit ? last : null;
    }

    private static Timeline.Cursor evidence(Connection c, String a, Optional<String> stream, Optional<Timeline.Cursor> after, int limit,
                                            List<Timeline.Entry> out) throws SQLException {
        List<Object> args = new ArrayList<>();
        args.add(a);
        StringBuilder sql = new StringBuilder(EvidenceTables.VIEW + " WHERE address = ?");
        if (stream.isPresent()) { sql.append(" AND stream = ?"); args.add(stream.get()); }
        sql.append(after("received_at", "id", Timeline.Cursor.EVIDENCE, after, args));
        sql.append(" ORDER BY received_at, id LIMIT ?");
        args.add(limit + 1);
        int rows = 0;
        Timeline.Cursor last = null;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    EvidenceView e = EvidenceTables.view(rs);
                    long at = e.receivedAt().toEpochMilli();
                    Timeline.Cursor key = new Timeline.Cursor(at, Timeline.Cursor.EVIDENCE, e.id(), 0);
                    last = key;
                    out.add(new Timeline.EvidenceEntry(key, e));
                    if (!e.decisionRule().isEmpty()) {
                        last = new Timeline.Cursor(at, Timeline.Cursor.EVIDENCE, e.id(), 1);
                        out.add(new Timeline.Decision(last, e.source(), e.id(), e.recipientId(), e.messageId(), e.stream(), e.decision(),
                                e.decision().isEmpty() ? "" : e.reason(), e.decisionRule(), Optional.empty(), e.suppressionRule()));
                    }
                }
            }
        }
        return rows > limit ? last : null;
    }

    private static Timeline.Cursor audit(Connection c, String a, Optional<String> stream, Optional<Timeline.Cursor> after, int limit,
                                         List<Timeline.Entry> out) throws SQLException {
        List<Object> args = new ArrayList<>();
        args.add(a);
        StringBuilder sql = new StringBuilder("""
                SELECT id, at, stream, action, state, reason, rule_id, expires_at, evidence_ref, actor, note
                FROM suppression_audit WHERE address = ?""");
        if (stream.isPresent()) { sql.append(" AND stream = ?"); args.add(stream.get()); }
        sql.append(after("at", "id", Timeline.Cursor.SUPPRESSION, after, args));
        sql.append(" ORDER BY at, id LIMIT ?");
        args.add(limit + 1);
        int rows = 0;
        Timeline.Cursor last = null;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    SuppressionAudit x = new SuppressionAudit(rs.getString(1), Rows.requiredInstant(rs, 2), a, rs.getString(3), rs.getString(4),
                            SuppressionState.valueOf(rs.getString(5)), rs.getString(6), rs.getString(7), Rows.instant(rs, 8),
                            Rows.text(rs, 9), rs.getString(10), rs.getString(11));
                    last = new Timeline.Cursor(x.at().toEpochMilli(), Timeline.Cursor.SUPPRESSION, x.id(), 0);
                    out.add(new Timeline.SuppressionChange(last, x));
                }
            }
        }
        return rows > limit ? last : null;
    }
}
