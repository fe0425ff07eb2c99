package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The SQL of rates and alerts (migration V40): {@code outcome_counts} (added to inside the transactions that record
 * outcomes: {@link MessageTables#recordAttempts} and {@link EvidenceTables}), {@code alerts} (one open alert per
 * scope and metric, by a partial unique index, so concurrent evaluations open and resolve it once, each with its
 * outbox event) and {@code pauses}.
 */
final class OutcomeTables {
    private final Database db;

    OutcomeTables(Database db) {
        this.db = db;
    }

    private static final String ADD = """
            INSERT INTO outcome_counts (minute, domain, stream, attempts, deferred, finals, delivered, hard, soft, blocked, complaints)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT (minute, domain, stream) DO UPDATE SET attempts = outcome_counts.attempts + excluded.attempts,
                deferred = outcome_counts.deferred + excluded.deferred, finals = outcome_counts.finals + excluded.finals,
                delivered = outcome_counts.delivered + excluded.delivered, hard = outcome_counts.hard + excluded.hard,
                soft = outcome_counts.soft + excluded.soft, blocked = outcome_counts.blocked + excluded.blocked,
                complaints = outcome_counts.complaints + excluded.complaints
            """;

    static long minute(long millis) {
        return Math.floorDiv(millis, 60_000L) * 60_000L;
    }

    /** What one recorded attempt adds: an attempt, a deferral or a final outcome by its state. */
    static OutcomeCounts ofAttempt(RecipientState after) {
        boolean fin = after.isFinal();
        return new OutcomeCounts(1, after == RecipientState.DEFERRED ? 1 : 0, fin ? 1 : 0, after == RecipientState.DELIVERED ? 1 : 0,
                after == RecipientState.BOUNCED_HARD ? 1 : 0, after == RecipientState.BOUNCED_SOFT ? 1 : 0,
                after == RecipientState.BLOCKED_POLICY ? 1 : 0, 0);
    }

    /**
     * What one new piece of evidence adds, from the recipient's state before it (empty: it matched none) and the
     * state it gives: a final outcome once per recipient (a late bounce after DELIVERED adds to its failure column
     * only), a complaint once per recipient. Nothing for a deferral (not an attempt) or a repeated state.
     */
    static OutcomeCounts ofEvidence(Optional<RecipientState> before, Optional<RecipientState> after) {
        if (after.isEmpty() || before.equals(after)) return OutcomeCounts.ZERO;
        RecipientState a = after.get();
        if (a == RecipientState.COMPLAINT) return new OutcomeCounts(0, 0, 0, 0, 0, 0, 0, 1);
        if (!sent(a)) return OutcomeCounts.ZERO;
        boolean wasFinal = before.filter(OutcomeTables::sent).isPresent();
        boolean wasFailure = before.filter(s -> sent(s) && s != RecipientState.DELIVERED).isPresent();
        if (a == RecipientState.DELIVERED) return wasFinal ? OutcomeCounts.ZERO : new OutcomeCounts(0, 0, 1, 1, 0, 0, 0, 0);
        if (wasFailure) return OutcomeCounts.ZERO;
        return new OutcomeCounts(0, 0, wasFinal ? 0 : 1, 0, a == RecipientState.BOUNCED_HARD ? 1 : 0,
                a == RecipientState.BOUNCED_SOFT ? 1 : 0, a == RecipientState.BLOCKED_POLICY ? 1 : 0, 0);
    }

    /** The final outcomes of sent mail (suppressed-at-intake recipients were never sent). */
    private static boolean sent(RecipientState s) {
        return switch (s) {
            case DELIVERED, BOUNCED_SOFT, BOUNCED_HARD, BLOCKED_POLICY -> true;
            case QUEUED, DEFERRED, COMPLAINT, SUPPRESSED -> false;
        };
    }

    /** Adds the attempts' counts per minute (of their start), domain and stream, on the recording transaction. */
    static void countAttempts(Connection c, List<AttemptRecord> attempts) throws SQLException {
        Map<List<Object>, OutcomeCounts> sums = new LinkedHashMap<>();
        for (AttemptRecord a : attempts) {
            List<Object> key = List.of(minute(a.startedAt().toEpochMilli()), a.domain().toLowerCase(Locale.ROOT), a.stream());
            sums.merge(key, ofAttempt(a.newState()), OutcomeCounts::plus);
        }
        add(c, sums);
    }

    /** Adds one piece of evidence's counts (see {@link #ofEvidence}) in the minute of {@code atMillis}. */
    static void countEvidence(Connection c, String domain, String stream, long atMillis, Optional<RecipientState> before,
                              Optional<RecipientState> after) throws SQLException {
        OutcomeCounts n = ofEvidence(before, after);
        if (n.isEmpty()) return;
        add(c, Map.of(List.of(minute(atMillis), domain.toLowerCase(Locale.ROOT), stream), n));
    }

    private static void add(Connection c, Map<List<Object>, OutcomeCounts> sums) throws SQLException {
        if (sums.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(ADD)) {
            for (Map.Entry<List<Object>, OutcomeCounts> e : sums.entrySet()) {
                OutcomeCounts n = e.getValue();
                ps.setLong(1, (Long) e.getKey().get(0));
                ps.setString(2, (String) e.getKey().get(1));
                ps.setString(3, (String) e.getKey().get(2));
                ps.setLong(4, n.attempts());
                ps.setLong(5, n.deferred());
                ps.setLong(6, n.finals());
                ps.setLong(7, n.delivered());
                ps.setLong(8, n.hard());
                ps.setLong(9, n.soft());
                ps.setLong(10, n.blocked());
                ps.setLong(11, n.complaints());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static final String SUMS = "SUM(attempts), SUM(deferred), SUM(finals), SUM(delivered), SUM(hard), SUM(soft), SUM(blocked), SUM(complaints)";

    private static OutcomeCounts counts(ResultSet rs, int first) throws SQLException {
        return new OutcomeCounts(rs.getLong(first), rs.getLong(first + 1), rs.getLong(first + 2), rs.getLong(first + 3),
                rs.getLong(first + 4), rs.getLong(first + 5), rs.getLong(first + 6), rs.getLong(first + 7));
    }

    /** Sums of the minutes in [from, to) (minute starts), grouped; overall gives one row with scope "" (none without rows). */
    List<ScopedCounts> totals(Instant from, Instant to, ScopedCounts.By by) {
        String key = switch (by) {
            case OVERALL -> "''";
            case DOMAIN -> "domain";
            case STREAM -> "stream";
        };
        String sql = "SELECT " + key + ", " + SUMS + " FROM outcome_counts WHERE minute >= ? AND minute < ?"
                + (by == ScopedCounts.By.OVERALL ? " HAVING COUNT(*) > 0" : " GROUP BY " + key) + " ORDER BY 4 DESC, 1";
        return db.read(c -> {
            List<ScopedCounts> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, minute(from.toEpochMilli()));
                ps.setLong(2, to.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new ScopedCounts(rs.getString(1), counts(rs, 2)));
                }
            }
            return out;
        });
    }

    /** Every row of the minutes in [from, to), oldest first. */
    List<MinuteCounts> minutes(Instant from, Instant to) {
        return db.read(c -> {
            List<MinuteCounts> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT minute, domain, stream, attempts, deferred, finals, delivered, hard, soft, blocked, complaints
                    FROM outcome_counts WHERE minute >= ? AND minute < ? ORDER BY minute, domain, stream
                    """)) {
                ps.setLong(1, minute(from.toEpochMilli()));
                ps.setLong(2, to.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new MinuteCounts(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3), counts(rs, 4)));
                }
            }
            return out;
        });
    }

    /** Waiting recipients per state (an index range over next_attempt_at, joined to their messages). */
    List<WaitingState> waiting() {
        return db.read(c -> {
            List<WaitingState> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT r.state, COUNT(*), MIN(m.created_at), MIN(r.next_attempt_at)
                    FROM recipients r JOIN messages m ON m.id = r.message_id WHERE r.next_attempt_at IS NOT NULL GROUP BY r.state ORDER BY r.state
                    """); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new WaitingState(RecipientState.valueOf(rs.getString(1)), rs.getLong(2), Rows.instant(rs, 3), Rows.instant(rs, 4)));
            }
            return out;
        });
    }

    // ---- alerts ---------------------------------------------------------------------------------------------

    private static final String ALERT_COLUMNS = "id, scope_kind, scope, metric, level, rule_id, opened_at, updated_at, resolved_at, "
            + "resolve_rule, figures, last_figures";

    private static Alert alert(ResultSet rs) throws SQLException {
        return new Alert(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                Rows.requiredInstant(rs, 7), Rows.requiredInstant(rs, 8), Rows.instant(rs, 9), Optional.ofNullable(rs.getString(10)),
                rs.getString(11), rs.getString(12));
    }

    /** Alerts, newest first: open ones only, or all; at most {@code limit}. */
    List<Alert> alerts(boolean openOnly, int limit) {
        return db.read(c -> {
            List<Alert> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ALERT_COLUMNS + " FROM alerts"
                    + (openOnly ? " WHERE resolved_at IS NULL" : "") + " ORDER BY opened_at DESC, id DESC LIMIT ?")) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(alert(rs));
                }
            }
            return out;
        });
    }

    Optional<Alert> alert(String id) {
        return db.read(c -> alert(c, id));
    }

    private static Optional<Alert> alert(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ALERT_COLUMNS + " FROM alerts WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(alert(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Opens {@code a} unless its scope and metric already have an open alert (then nothing is written); with its
     * {@code alert.opened} outbox event, and when {@code pause} is given the scope's pause, in one transaction.
     */
    Optional<String> open(Alert proposed, Optional<Pause> pause) {
        String id = Database.newId();
        Alert a = new Alert(id, proposed.scopeKind(), proposed.scope(), proposed.metric(), proposed.level(), proposed.ruleId(),
                proposed.openedAt(), proposed.updatedAt(), Optional.empty(), Optional.empty(), proposed.figures(), proposed.lastFigures());
        return db.write(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO alerts (" + ALERT_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,NULL,NULL,?,?) "
                    + "ON CONFLICT (scope_kind, scope, metric) WHERE resolved_at IS NULL DO NOTHING")) {
                ps.setString(1, a.id());
                ps.setString(2, a.scopeKind());
                ps.setString(3, a.scope());
                ps.setString(4, a.metric());
                ps.setString(5, a.level());
                ps.setString(6, a.ruleId());
                ps.setLong(7, a.openedAt().toEpochMilli());
                ps.setLong(8, a.updatedAt().toEpochMilli());
                ps.setString(9, a.figures());
                ps.setString(10, a.lastFigures());
                n = ps.executeUpdate();
            }
            if (n == 0) return Optional.<String>empty();
            boolean paused = pause.isPresent() && insertPause(c, new Pause(pause.get().scopeKind(), pause.get().scope(),
                    pause.get().reason(), Optional.of(id), pause.get().actor(), pause.get().pausedAt()));
            event(c, "alert.opened", a, a.openedAt(), paused);
            return Optional.of(id);
        });
    }

    /** Raises an open alert's level (rule and figures with it); false when it is no longer open. */
    boolean escalate(String id, String level, String ruleId, String figures, Instant at) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE alerts SET level = ?, rule_id = ?, figures = ?, last_figures = ?, updated_at = ? WHERE id = ? AND resolved_at IS NULL
                    """)) {
                ps.setString(1, level);
                ps.setString(2, ruleId);
                ps.setString(3, figures);
                ps.setString(4, figures);
                ps.setLong(5, at.toEpochMilli());
                ps.setString(6, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Keeps an open alert's latest figures. */
    void touch(String id, String lastFigures, Instant at) {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE alerts SET last_figures = ?, updated_at = ? WHERE id = ? AND resolved_at IS NULL")) {
                ps.setString(1, lastFigures);
                ps.setLong(2, at.toEpochMilli());
                ps.setString(3, id);
                return ps.executeUpdate();
            }
        });
    }

    /** Resolves an open alert with its {@code alert.resolved} event, once: false when it was already resolved. */
    boolean resolve(String id, String rule, String lastFigures, Instant at) {
        return db.write(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE alerts SET resolved_at = ?, resolve_rule = ?, last_figures = ?, updated_at = ? WHERE id = ? AND resolved_at IS NULL
                    """)) {
                ps.setLong(1, at.toEpochMilli());
                ps.setString(2, rule);
                ps.setString(3, lastFigures);
                ps.setLong(4, at.toEpochMilli());
                ps.setString(5, id);
                n = ps.executeUpdate();
            }
            if (n == 0) return false;
            Alert a = alert(c, id).orElseThrow();
            event(c, "alert.resolved", a, at, false);
            return true;
        });
    }

    private static void event(Connection c, String type, Alert a, Instant at, boolean paused) throws SQLException {
        ObjectNode p = Outbox.JSON.createObjectNode().put("source", "monitor").put("alert_id", a.id()).put("scope_kind", a.scopeKind())
                .put("scope", a.scope()).put("metric", a.metric()).put("level", a.level()).put("rule_id", a.ruleId())
                .put("opened_at", a.openedAt().toString()).put("occurred_at", at.toString());
        a.resolvedAt().ifPresent(t -> p.put("resolved_at", t.toString()));
        a.resolveRule().ifPresent(r -> p.put("resolve_rule", r));
        if (a.scopeKind().equals("domain")) p.put("recipient_domain", a.scope());
        if (a.scopeKind().equals("stream")) p.put("stream", a.scope());
        p.set("figures", Outbox.JSON.readTree(type.equals("alert.resolved") ? a.lastFigures() : a.figures()));
        if (paused) p.put("action", "paused");
        Outbox.event(c, at.toEpochMilli(), type, "", null, p);
    }

    // ---- pauses ---------------------------------------------------------------------------------------------

    private static boolean insertPause(Connection c, Pause p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO pauses (scope_kind, scope, reason, alert_id, actor, paused_at) VALUES (?,?,?,?,?,?)
                ON CONFLICT (scope_kind, scope) DO NOTHING
                """)) {
            ps.setString(1, p.scopeKind());
            ps.setString(2, p.scope());
            ps.setString(3, p.reason());
            ps.setString(4, p.alertId().orElse(null));
            ps.setString(5, p.actor());
            ps.setLong(6, p.pausedAt().toEpochMilli());
            return ps.executeUpdate() == 1;
        }
    }

    boolean pause(Pause p) {
        return db.write(c -> insertPause(c, p));
    }

    Optional<Pause> resume(String scopeKind, String scope) {
        return db.write(c -> {
            Optional<Pause> found = pauses(c).stream().filter(p -> p.scopeKind().equals(scopeKind) && p.scope().equals(scope)).findFirst();
            if (found.isEmpty()) return found;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM pauses WHERE scope_kind = ? AND scope = ?")) {
                ps.setString(1, scopeKind);
                ps.setString(2, scope);
                ps.executeUpdate();
            }
            return found;
        });
    }

    List<Pause> pauses() {
        return db.read(OutcomeTables::pauses);
    }

    private static List<Pause> pauses(Connection c) throws SQLException {
        List<Pause> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT scope_kind, scope, reason, alert_id, actor, paused_at FROM pauses ORDER BY paused_at, scope")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Pause(rs.getString(1), rs.getString(2), rs.getString(3), Optional.ofNullable(rs.getString(4)),
                        rs.getString(5), Rows.requiredInstant(rs, 6)));
            }
        }
        return out;
    }
}
