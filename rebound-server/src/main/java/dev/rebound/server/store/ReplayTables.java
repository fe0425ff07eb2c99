package dev.rebound.server.store;

import dev.rebound.core.smtp.MailDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What replay reads and writes: the (address, stream) pairs with evidence in a time range, paged in address order
 * (indexes {@code attempts_started_at}, {@code evidence_received_at}, V31); everything stored about a page of pairs in
 * one statement per source; and the suppression changes it applies, each checked against the entry it was computed
 * from and audited, with its outbox event, in the transaction of its batch.
 */
final class ReplayTables {
    private final Database db;

    ReplayTables(Database db) {
        this.db = db;
    }

    private static final String PAIRS = """
            SELECT LOWER(r.address) AS address, m.stream AS stream FROM attempts a
                JOIN recipients r ON r.id = a.recipient_id JOIN messages m ON m.id = a.message_id
                WHERE a.started_at >= ? AND a.started_at < ?
            UNION
            SELECT e.address AS address, e.stream AS stream FROM evidence e
                WHERE e.received_at >= ? AND e.received_at < ? AND e.address <> ''
            """;

    long pairCount(Instant since, Instant until) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM (" + PAIRS + ") p")) {
                range(ps, since, until);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    List<ReplayPair> pairs(Instant since, Instant until, Optional<ReplayPair> after, int limit) {
        return db.read(c -> {
            String sql = "SELECT address, stream FROM (" + PAIRS + ") p"
                    + (after.isPresent() ? " WHERE address > ? OR (address = ? AND stream > ?)" : "") + " ORDER BY address, stream LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = range(ps, since, until);
                if (after.isPresent()) {
                    ps.setString(i++, after.get().address());
                    ps.setString(i++, after.get().address());
                    ps.setString(i++, after.get().stream());
                }
                ps.setInt(i, limit);
                List<ReplayPair> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(new ReplayPair(rs.getString(1), rs.getString(2)));
                }
                return out;
            }
        });
    }

    private static int range(PreparedStatement ps, Instant since, Instant until) throws SQLException {
        ps.setLong(1, since.toEpochMilli());
        ps.setLong(2, until.toEpochMilli());
        ps.setLong(3, since.toEpochMilli());
        ps.setLong(4, until.toEpochMilli());
        return 5;
    }

    private static String marks(int n) {
        return String.join(",", java.util.Collections.nCopies(n, "?"));
    }

    private static int bindAll(PreparedStatement ps, int from, Collection<String> values) throws SQLException {
        int i = from;
        for (String v : values) ps.setString(i++, v);
        return i;
    }

    /**
     * Everything stored before {@code until} about the pairs' addresses (every stream: the caller keeps its pairs), and
     * the {@code domain_outcomes} minutes of their domains from {@code countsFrom} to {@code until}.
     */
    ReplayInput input(List<ReplayPair> pairs, Instant until, Instant countsFrom) {
        TreeSet<String> addresses = new TreeSet<>();
        TreeSet<String> domains = new TreeSet<>();
        for (ReplayPair p : pairs) {
            addresses.add(p.address());
            domains.add(MailDomain.of(p.address()));
        }
        if (addresses.isEmpty()) return new ReplayInput(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Map.of());
        long end = until.toEpochMilli();
        String in = marks(addresses.size());
        return db.read(c -> {
            List<ReplayInput.RecipientRow> recipients = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT r.id, r.message_id, r.address, m.stream, r.initial_state, m.created_at
                    FROM recipients r JOIN messages m ON m.id = r.message_id
                    WHERE LOWER(r.address) IN (""" + in + ") AND m.created_at < ? ORDER BY m.created_at, r.id")) {
                ps.setLong(bindAll(ps, 1, addresses), end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) recipients.add(new ReplayInput.RecipientRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            RecipientState.valueOf(rs.getString(5)), Rows.requiredInstant(rs, 6)));
                }
            }
            List<ReplayInput.AttemptRow> attempts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT a.recipient_id, a.message_id, m.stream, r.address, r.domain, m.created_at, "
                    + MessageTables.ATTEMPT_COLUMNS + " FROM attempts a JOIN recipients r ON r.id = a.recipient_id JOIN messages m ON m.id = a.message_id"
                    + " WHERE LOWER(r.address) IN (" + in + ") AND a.started_at < ? ORDER BY a.started_at, a.id")) {
                ps.setLong(bindAll(ps, 1, addresses), end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) attempts.add(new ReplayInput.AttemptRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), Rows.requiredInstant(rs, 6), MessageTables.attempt(rs, 7)));
                }
            }
            List<EvidenceView> evidence = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(EvidenceTables.VIEW + " WHERE address IN (" + in + ") AND received_at < ? ORDER BY received_at, id")) {
                ps.setLong(bindAll(ps, 1, addresses), end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) evidence.add(EvidenceTables.view(rs));
                }
            }
            List<SuppressionAudit> audit = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, at, address, stream, action, state, reason, rule_id, expires_at, evidence_ref, actor, note
                    FROM suppression_audit WHERE address IN (""" + in + ") AND at < ? ORDER BY at, id")) {
                ps.setLong(bindAll(ps, 1, addresses), end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) audit.add(new SuppressionAudit(rs.getString(1), Rows.requiredInstant(rs, 2), rs.getString(3), rs.getString(4),
                            rs.getString(5), SuppressionState.valueOf(rs.getString(6)), rs.getString(7), rs.getString(8), Rows.instant(rs, 9),
                            Rows.text(rs, 10), rs.getString(11), rs.getString(12)));
                }
            }
            List<Suppression> current = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state
                    FROM suppressions WHERE address IN (""" + in + ")")) {
                bindAll(ps, 1, addresses);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) current.add(new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            Rows.requiredInstant(rs, 5), Rows.instant(rs, 6), Rows.text(rs, 7), SuppressionState.valueOf(rs.getString(8))));
                }
            }
            List<ReplayInput.DomainMinute> minutes = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT domain, minute, finals, failures FROM domain_outcomes WHERE domain IN ("
                    + marks(domains.size()) + ") AND minute >= ? AND minute <= ? ORDER BY domain, minute")) {
                int i = bindAll(ps, 1, domains);
                ps.setLong(i++, Math.floorDiv(countsFrom.toEpochMilli(), 60_000L) * 60_000L);
                ps.setLong(i, end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) minutes.add(new ReplayInput.DomainMinute(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getInt(4)));
                }
            }
            // the kept emails of DSN records received from countsFrom on (replay parses them again; older ones keep their record)
            Map<String, String> shaById = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, dedup_key FROM evidence WHERE address IN (" + in
                    + ") AND source = 'dsn' AND received_at >= ? AND received_at < ?")) {
                int i = bindAll(ps, 1, addresses);
                ps.setLong(i++, countsFrom.toEpochMilli());
                ps.setLong(i, end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String[] key = rs.getString(2).split(":", 3); // dsn:<sha256 of the email>:<recipient>
                        if (key.length == 3 && key[1].length() == 64) shaById.put(rs.getString(1), key[1]);
                    }
                }
            }
            Map<String, byte[]> mail = new HashMap<>();
            if (!shaById.isEmpty()) {
                TreeSet<String> shas = new TreeSet<>(shaById.values());
                Map<String, byte[]> bySha = new HashMap<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT sha256, raw FROM bounce_mail WHERE sha256 IN (" + marks(shas.size()) + ")")) {
                    bindAll(ps, 1, shas);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) bySha.put(rs.getString(1), rs.getBytes(2));
                    }
                }
                shaById.forEach((id, sha) -> {
                    byte[] raw = bySha.get(sha);
                    if (raw != null) mail.put(id, raw);
                });
            }
            return new ReplayInput(recipients, attempts, evidence, audit, current, minutes, mail);
        });
    }

    /**
     * Applies replay's suppression changes in one transaction: each only when the entry in the table is still the one it
     * was computed from ({@code before}, active now; none when it had none), then the row written or deleted, an audit row
     * ({@code actor}, {@code note}) and an outbox event ({@code suppression.created}, {@code suppression.review} or
     * {@code suppression.removed}, source {@code replay}); a removal releases the address's held mail younger than
     * {@code releaseWindow}, as every removal does. Returns, per change, whether it was applied.
     */
    List<Boolean> apply(List<ReplayChange> changes, String actor, String note, java.time.Duration releaseWindow) {
        if (changes.isEmpty()) return List.of();
        return db.write(c -> {
            long now = db.clock().millis();
            Instant nowAt = Instant.ofEpochMilli(now);
            List<Boolean> out = new ArrayList<>(changes.size());
            for (ReplayChange ch : changes) {
                String address = ch.address().toLowerCase(Locale.ROOT);
                Optional<Suppression> current;
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state
                        FROM suppressions WHERE address = ? AND stream = ?""")) {
                    ps.setString(1, address);
                    ps.setString(2, ch.stream());
                    try (ResultSet rs = ps.executeQuery()) {
                        current = rs.next() ? Optional.of(new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Rows.requiredInstant(rs, 5), Rows.instant(rs, 6), Rows.text(rs, 7), SuppressionState.valueOf(rs.getString(8))))
                                : Optional.empty();
                    }
                }
                Optional<Suppression> inForce = current.filter(s -> ReplayChange.active(s, nowAt));
                boolean unchanged = ch.before().isEmpty() ? inForce.isEmpty()
                        : inForce.isPresent() && ReplayChange.same(ch.before().get(), inForce.get());
                if (!unchanged) {
                    out.add(false);
                    continue;
                }
                String why = note + ": " + ch.kind().id() + " (" + ch.ruleId() + ")";
                if (ch.after().isPresent()) {
                    Suppression a = ch.after().get();
                    Suppression s = new Suppression(address, ch.stream(), a.reason(), a.ruleId(), nowAt, a.expiresAt(), a.evidenceRef(), a.state());
                    SuppressionTables.write(c, s);
                    SuppressionTables.audit(c, now, s, current.isPresent() ? "updated" : "created", actor, why);
                    SuppressionTables.event(c, now, s.state() == SuppressionState.REVIEW ? "suppression.review" : "suppression.created", s,
                            "replay", actor, why, -1);
                } else {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE address = ? AND stream = ?")) {
                        ps.setString(1, address);
                        ps.setString(2, ch.stream());
                        ps.executeUpdate();
                    }
                    SuppressionTables.audit(c, now, current.get(), "removed", actor, why);
                    // a removal releases the address's held mail as any removal does (once, in this transaction)
                    int released = SuppressionTables.release(c, db.tally(), address, ch.stream(), now, releaseWindow);
                    SuppressionTables.event(c, now, "suppression.removed", current.get(), "replay", actor, why, released);
                }
                out.add(true);
            }
            return out;
        });
    }
}
