package dev.rebound.server.store;

import dev.rebound.core.smtp.MailDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The suppression list ({@code suppressions}, V1/V2), its audit trail ({@code suppression_audit}, every insert,
 * update and removal in the transaction that makes it) and the circuit breaker's counts ({@code domain_outcomes},
 * final outcomes per domain and minute). The static methods run inside another group's transaction.
 */
final class SuppressionTables {
    private static final String COLUMNS = "address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state";

    private final Database db;

    SuppressionTables(Database db) {
        this.db = db;
    }

    /** One {@link #COLUMNS} row. */
    private static Suppression row(ResultSet rs) throws SQLException {
        return new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Rows.requiredInstant(rs, 5),
                Rows.instant(rs, 6), Rows.text(rs, 7), SuppressionState.valueOf(rs.getString(8)));
    }

    private static List<Suppression> rows(PreparedStatement ps) throws SQLException {
        List<Suppression> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(row(rs));
        }
        return out;
    }

    void suppress(Suppression s) {
        db.write(c -> {
            upsert(c, s);
            return null;
        });
    }

    /**
     * Adds or replaces the entry and writes its audit row (actor {@code policy}, note = the rule). A REVIEW does
     * not replace an active SUPPRESSED entry: the stronger decision stands.
     */
    static void upsert(Connection c, Suppression s) throws SQLException {
        String address = s.address().toLowerCase(Locale.ROOT);
        long now = s.createdAt().toEpochMilli();
        String action = "created";
        try (PreparedStatement ps = c.prepareStatement("SELECT state, expires_at FROM suppressions WHERE address = ? AND stream = ?")) {
            ps.setString(1, address);
            ps.setString(2, s.stream());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    boolean active = Rows.instant(rs, 2).map(exp -> exp.toEpochMilli() > now).orElse(true);
                    if (active && s.state() == SuppressionState.REVIEW && SuppressionState.SUPPRESSED.name().equals(rs.getString(1))) return;
                    action = "updated";
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO suppressions (address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT (address, stream) DO UPDATE SET reason = excluded.reason, rule_id = excluded.rule_id,
                    created_at = excluded.created_at, expires_at = excluded.expires_at,
                    evidence_ref = excluded.evidence_ref, state = excluded.state
                """)) {
            ps.setString(1, address);
            ps.setString(2, s.stream());
            ps.setString(3, s.reason());
            ps.setString(4, s.ruleId());
            ps.setLong(5, now);
            Rows.setInstant(ps, 6, s.expiresAt());
            ps.setString(7, s.evidenceRef());
            ps.setString(8, s.state().name());
            ps.executeUpdate();
        }
        audit(c, now, new Suppression(address, s.stream(), s.reason(), s.ruleId(), s.createdAt(), s.expiresAt(), s.evidenceRef(), s.state()),
                action, "policy", s.ruleId());
    }

    private static void audit(Connection c, long at, Suppression s, String action, String actor, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO suppression_audit (id, at, address, stream, action, state, reason, rule_id, expires_at, evidence_ref, actor, note)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                """)) {
            ps.setString(1, Database.newId());
            ps.setLong(2, at);
            ps.setString(3, s.address());
            ps.setString(4, s.stream());
            ps.setString(5, action);
            ps.setString(6, s.state().name());
            ps.setString(7, s.reason());
            ps.setString(8, s.ruleId());
            Rows.setInstant(ps, 9, s.expiresAt());
            ps.setString(10, s.evidenceRef());
            ps.setString(11, actor);
            ps.setString(12, note);
            ps.executeUpdate();
        }
    }

    /** The active SUPPRESSED entry of {@code address} on {@code stream} at {@code now} (REVIEW entries never block). */
    static Optional<Suppression> blocking(Connection c, String address, String stream, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT reason, rule_id, created_at, expires_at, evidence_ref FROM suppressions
                WHERE address = ? AND stream = ? AND state = 'SUPPRESSED' AND (expires_at IS NULL OR expires_at > ?)
                """)) {
            ps.setString(1, address.toLowerCase(Locale.ROOT));
            ps.setString(2, stream);
            ps.setLong(3, now);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Suppression(address, stream, rs.getString(1), rs.getString(2), Rows.requiredInstant(rs, 3),
                        Rows.instant(rs, 4), Rows.text(rs, 5)));
            }
        }
    }

    Optional<Suppression> suppression(String address, String stream) {
        return db.read(c -> blocking(c, address, stream, db.clock().millis()));
    }

    List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit) {
        return db.read(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM suppressions WHERE (expires_at IS NULL OR expires_at > ?)");
            List<String> args = new ArrayList<>();
            if (stream.isPresent()) { sql.append(" AND stream = ?"); args.add(stream.get()); }
            if (address.isPresent()) { sql.append(" AND address = ?"); args.add(address.get().toLowerCase(Locale.ROOT)); }
            if (state.isPresent()) { sql.append(" AND state = ?"); args.add(state.get().name()); }
            sql.append(" ORDER BY created_at DESC, address, stream LIMIT ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, db.clock().millis());
                for (String a : args) ps.setString(i++, a);
                ps.setInt(i, limit);
                return rows(ps);
            }
        });
    }

    List<Suppression> ofMessage(String messageId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT s.address, s.stream, s.reason, s.rule_id, s.created_at, s.expires_at, s.evidence_ref, s.state
                    FROM recipients r
                    JOIN messages m ON m.id = r.message_id
                    JOIN suppressions s ON s.address = LOWER(r.address) AND s.stream = m.stream
                    WHERE r.message_id = ? AND (s.expires_at IS NULL OR s.expires_at > ?)
                    """)) {
                ps.setString(1, messageId);
                ps.setLong(2, db.clock().millis());
                return rows(ps);
            }
        });
    }

    List<SuppressionAudit> audit(String address, String stream) {
        String a = address.toLowerCase(Locale.ROOT);
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, at, action, state, reason, rule_id, expires_at, evidence_ref, actor, note
                    FROM suppression_audit WHERE address = ? AND stream = ? ORDER BY at, id
                    """)) {
                ps.setString(1, a);
                ps.setString(2, stream);
                List<SuppressionAudit> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new SuppressionAudit(rs.getString(1), Rows.requiredInstant(rs, 2), a, stream, rs.getString(3),
                                SuppressionState.valueOf(rs.getString(4)), rs.getString(5), rs.getString(6), Rows.instant(rs, 7),
                                Rows.text(rs, 8), rs.getString(9), rs.getString(10)));
                    }
                }
                return out;
            }
        });
    }

    Optional<Suppression> remove(String address, String stream, String actor, String note) {
        String a = address.toLowerCase(Locale.ROOT);
        return db.write(c -> {
            Optional<Suppression> found;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM suppressions WHERE address = ? AND stream = ?")) {
                ps.setString(1, a);
                ps.setString(2, stream);
                found = rows(ps).stream().findFirst();
            }
            if (found.isEmpty()) return found;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE address = ? AND stream = ?")) {
                ps.setString(1, a);
                ps.setString(2, stream);
                ps.executeUpdate();
            }
            long now = db.clock().millis();
            audit(c, now, found.get(), "removed", actor, note);
            ObjectNode payload = Outbox.JSON.createObjectNode().put("source", "api").put("address", a).put("stream", stream)
                    .put("recipient_domain", MailDomain.of(a)).put("actor", actor).put("note", note);
            payload.set("suppression", Outbox.suppressionJson(found.get()));
            Outbox.event(c, now, "suppression.removed", "", null, payload);
            return found;
        });
    }

    // ---- the circuit breaker's counts (domain_outcomes) ---------------------------------------------------

    private static final String ADD_DOMAIN_OUTCOMES = """
            INSERT INTO domain_outcomes (domain, minute, finals, failures) VALUES (?,?,?,?)
            ON CONFLICT (domain, minute) DO UPDATE SET finals = domain_outcomes.finals + excluded.finals,
                failures = domain_outcomes.failures + excluded.failures
            """;

    private static long minute(long millis) {
        return Math.floorDiv(millis, 60_000L) * 60_000L;
    }

    /** Counts the final outcomes of recorded attempts per recipient domain and minute. */
    static void countFinals(Connection c, List<AttemptRecord> attempts) throws SQLException {
        // sorted: two nodes' transactions lock the same (domain, minute) rows in one order (fewer deadlocks on PostgreSQL)
        Map<String, int[]> counts = new TreeMap<>();
        for (AttemptRecord a : attempts) {
            if (!a.newState().isFinal()) continue;
            int[] n = counts.computeIfAbsent(a.domain().toLowerCase(Locale.ROOT) + "\u0000" + minute(a.startedAt().toEpochMilli()), k -> new int[2]);
            n[0]++;
            if (a.newState() != RecipientState.DELIVERED) n[1]++;
        }
        if (counts.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(ADD_DOMAIN_OUTCOMES)) {
            for (Map.Entry<String, int[]> e : counts.entrySet()) {
                int sep = e.getKey().indexOf('\u0000');
                ps.setString(1, e.getKey().substring(0, sep));
                ps.setLong(2, Long.parseLong(e.getKey().substring(sep + 1)));
                ps.setInt(3, e.getValue()[0]);
                ps.setInt(4, e.getValue()[1]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Adds to the circuit breaker's counts of {@code domain} in the minute of {@code atMillis}. */
    static void addDomainOutcomes(Connection c, String domain, long atMillis, int finals, int failures) throws SQLException {
        if (domain.isEmpty() || (finals == 0 && failures == 0)) return;
        try (PreparedStatement ps = c.prepareStatement(ADD_DOMAIN_OUTCOMES)) {
            ps.setString(1, domain.toLowerCase(Locale.ROOT));
            ps.setLong(2, minute(atMillis));
            ps.setInt(3, finals);
            ps.setInt(4, failures);
            ps.executeUpdate();
        }
    }

    /** The circuit breaker's counts of {@code domain} since {@code since}, read on {@code c}. */
    static DomainOutcomes domainOutcomes(Connection c, String domain, Instant since) throws SQLException {
        String d = domain.toLowerCase(Locale.ROOT);
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT COALESCE(SUM(finals), 0), COALESCE(SUM(failures), 0) FROM domain_outcomes WHERE domain = ? AND minute >= ?
                """)) {
            ps.setString(1, d);
            ps.setLong(2, minute(since.toEpochMilli()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new DomainOutcomes(d, since, rs.getInt(1), rs.getInt(2));
            }
        }
    }

    DomainOutcomes domainOutcomes(String domain, Instant since) {
        return db.read(c -> domainOutcomes(c, domain, since));
    }
}
