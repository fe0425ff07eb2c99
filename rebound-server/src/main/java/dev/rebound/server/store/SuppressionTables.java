package dev.rebound.server.store;

import dev.rebound.core.policy.SuppressionPolicy;
import dev.rebound.core.smtp.MailDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The suppression list ({@code suppressions}, V1/V2/V21), its audit trail ({@code suppression_audit}: every insert,
 * update, approval, rejection and removal in the transaction that makes it, one row each), the outbox events of those
 * changes ({@code suppression.created}, {@code suppression.review}, {@code suppression.removed}, same transaction),
 * held mail ({@code held_mail}, V21: recipients accepted while suppressed, released once by the removal's transaction)
 * and the circuit breaker's counts ({@code domain_outcomes}, final outcomes per domain and minute). The static methods
 * run inside another group's transaction.
 */
final class SuppressionTables {
    private static final String COLUMNS = "address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state, origin, note";

    private final Database db;

    SuppressionTables(Database db) {
        this.db = db;
    }

    /** One {@link #COLUMNS} row. */
    private static Suppression row(ResultSet rs) throws SQLException {
        return new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Rows.requiredInstant(rs, 5),
                Rows.instant(rs, 6), Rows.text(rs, 7), SuppressionState.valueOf(rs.getString(8)), rs.getString(9), Rows.text(rs, 10));
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
     * Adds or replaces the entry and writes its audit row (actor {@code policy}, note = the rule) and its outbox
     * event. A REVIEW does not replace an active SUPPRESSED entry: the stronger decision stands (nothing is written).
     */
    static void upsert(Connection c, Suppression s) throws SQLException {
        String address = s.address().toLowerCase(Locale.ROOT);
        long now = s.createdAt().toEpochMilli();
        String action = "created";
        Optional<Suppression> existing = entry(c, address, s.stream());
        if (existing.isPresent()) {
            boolean active = existing.get().expiresAt().map(exp -> exp.toEpochMilli() > now).orElse(true);
            if (active && s.state() == SuppressionState.REVIEW && existing.get().state() == SuppressionState.SUPPRESSED) return;
            action = "updated";
        }
        Suppression e = s.lowerCased();
        write(c, e);
        audit(c, now, e, action, "policy", s.ruleId());
        event(c, now, e.state() == SuppressionState.SUPPRESSED ? "suppression.created" : "suppression.review", e, "policy", "policy",
                s.ruleId(), -1);
    }

    /** Inserts or replaces the row of {@code e} (address already lower-case). */
    static void write(Connection c, Suppression e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO suppressions (address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state, origin, note)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (address, stream) DO UPDATE SET reason = excluded.reason, rule_id = excluded.rule_id,
                    created_at = excluded.created_at, expires_at = excluded.expires_at,
                    evidence_ref = excluded.evidence_ref, state = excluded.state, origin = excluded.origin, note = excluded.note
                """)) {
            ps.setString(1, e.address());
            ps.setString(2, e.stream());
            ps.setString(3, e.reason());
            ps.setString(4, e.ruleId());
            ps.setLong(5, e.createdAt().toEpochMilli());
            Rows.setInstant(ps, 6, e.expiresAt());
            ps.setString(7, e.evidenceRef());
            ps.setString(8, e.state().name());
            ps.setString(9, e.origin());
            ps.setString(10, e.note());
            ps.executeUpdate();
        }
    }

    static void audit(Connection c, long at, Suppression s, String action, String actor, String note) throws SQLException {
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

    /**
     * The outbox event of a change to the list: {@code suppression.created} (public type {@code suppressed}),
     * {@code suppression.review} ({@code review}) or {@code suppression.removed} ({@code unsuppressed}).
     *
     * @param released held recipients released by the change, -1 when the change releases nothing by its kind
     */
    static void event(Connection c, long now, String type, Suppression e, String source, String actor, String note, int released)
            throws SQLException {
        ObjectNode payload = Outbox.JSON.createObjectNode().put("source", source).put("address", e.address()).put("stream", e.stream())
                .put("recipient_domain", MailDomain.of(e.address())).put("reason", e.reason()).put("rule_id", e.ruleId())
                .put("actor", actor).put("note", note).put("occurred_at", Instant.ofEpochMilli(now).toString());
        if (released >= 0) payload.put("released", released);
        payload.set("suppression", Outbox.suppressionJson(e));
        Outbox.event(c, now, type, "", null, payload);
    }

    /** The row of {@code address} (lower-case) on {@code stream}, expired or not. */
    private static Optional<Suppression> entry(Connection c, String address, String stream) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM suppressions WHERE address = ? AND stream = ?")) {
            ps.setString(1, address);
            ps.setString(2, stream);
            return rows(ps).stream().findFirst();
        }
    }

    private static boolean active(Suppression s, long now) {
        return s.expiresAt().map(exp -> exp.toEpochMilli() > now).orElse(true);
    }

    /** The active SUPPRESSED entry of {@code address} on {@code stream} at {@code now} (REVIEW entries never block). */
    static Optional<Suppression> blocking(Connection c, String address, String stream, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + """
                 FROM suppressions
                WHERE address = ? AND stream = ? AND state = 'SUPPRESSED' AND (expires_at IS NULL OR expires_at > ?)
                """)) {
            ps.setString(1, address.toLowerCase(Locale.ROOT));
            ps.setString(2, stream);
            ps.setLong(3, now);
            return rows(ps).stream().findFirst();
        }
    }

    /** The most addresses one {@link #blockingAll} statement asks for; more take several statements. */
    static final int BLOCKING_CHUNK = 256;

    /**
     * {@link #blocking} for every address of a message at once: one statement per {@link #BLOCKING_CHUNK} addresses
     * instead of one per address (on PostgreSQL each statement is a round trip). Keyed by the lower-cased address.
     * The {@code IN} list is padded to a power of two (by repeating the last address), so a message's recipient count
     * makes one of a few statement texts, which the statement caches keep.
     */
    static Map<String, Suppression> blockingAll(Connection c, List<String> addresses, String stream, long now) throws SQLException {
        Map<String, Suppression> out = new java.util.HashMap<>();
        List<String> distinct = addresses.stream().map(a -> a.toLowerCase(Locale.ROOT)).distinct().toList();
        for (int from = 0; from < distinct.size(); from += BLOCKING_CHUNK) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + BLOCKING_CHUNK));
            int marks = Integer.highestOneBit(chunk.size());
            if (marks < chunk.size()) marks <<= 1;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM suppressions WHERE stream = ? AND state = 'SUPPRESSED' "
                    + "AND (expires_at IS NULL OR expires_at > ?) AND address IN (" + String.join(",", java.util.Collections.nCopies(marks, "?")) + ")")) {
                ps.setString(1, stream);
                ps.setLong(2, now);
                for (int i = 0; i < marks; i++) ps.setString(3 + i, chunk.get(Math.min(i, chunk.size() - 1)));
                for (Suppression sup : rows(ps)) out.put(sup.address(), sup);
            }
        }
        return out;
    }

    Optional<Suppression> suppression(String address, String stream) {
        return db.read(c -> blocking(c, address, stream, db.clock().millis()));
    }

    List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit) {
        return page(new SuppressionQuery(stream, address, state, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit)).entries();
    }

    /** One page of the active entries matching {@code q}, in the keyset order of {@link SuppressionQuery}. */
    SuppressionQuery.Page page(SuppressionQuery q) {
        return db.read(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM suppressions WHERE (expires_at IS NULL OR expires_at > ?)");
            List<Object> args = new ArrayList<>();
            args.add(db.clock().millis());
            if (q.stream().isPresent()) { sql.append(" AND stream = ?"); args.add(q.stream().get()); }
            if (q.address().isPresent()) { sql.append(" AND address = ?"); args.add(q.address().get().toLowerCase(Locale.ROOT)); }
            if (q.state().isPresent()) { sql.append(" AND state = ?"); args.add(q.state().get().name()); }
            if (q.reason().isPresent()) { sql.append(" AND reason = ?"); args.add(q.reason().get()); }
            if (q.origin().isPresent()) { sql.append(" AND origin = ?"); args.add(q.origin().get()); }
            if (q.domain().isPresent()) {
                sql.append(" AND address LIKE ? ESCAPE '!'");
                args.add("%@" + q.domain().get().toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_"));
            }
            if (q.createdFrom().isPresent()) { sql.append(" AND created_at >= ?"); args.add(q.createdFrom().get().toEpochMilli()); }
            if (q.createdBefore().isPresent()) { sql.append(" AND created_at < ?"); args.add(q.createdBefore().get().toEpochMilli()); }
            if (q.expiresFrom().isPresent()) { sql.append(" AND (expires_at IS NULL OR expires_at >= ?)"); args.add(q.expiresFrom().get().toEpochMilli()); }
            if (q.expiresBefore().isPresent()) { sql.append(" AND expires_at < ?"); args.add(q.expiresBefore().get().toEpochMilli()); }
            if (q.after().isPresent()) {
                SuppressionQuery.Cursor k = q.after().get();
                // a row-value comparison (SQLite 3.15+, PostgreSQL): a range on the index suppressions_created
                sql.append(" AND (created_at, address, stream) < (?, ?, ?)");
                args.add(k.createdAt().toEpochMilli());
                args.add(k.address());
                args.add(k.stream());
            }
            sql.append(" ORDER BY created_at DESC, address DESC, stream DESC LIMIT ?");
            args.add(q.limit() + 1);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    if (args.get(i) instanceof Long l) ps.setLong(i + 1, l);
                    else if (args.get(i) instanceof Integer n) ps.setInt(i + 1, n);
                    else ps.setString(i + 1, (String) args.get(i));
                }
                List<Suppression> found = rows(ps);
                if (found.size() <= q.limit()) return new SuppressionQuery.Page(found, Optional.empty());
                List<Suppression> page = List.copyOf(found.subList(0, q.limit()));
                return new SuppressionQuery.Page(page, Optional.of(SuppressionQuery.Cursor.of(page.getLast())));
            }
        });
    }

    List<Suppression> ofMessage(String messageId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT s.address, s.stream, s.reason, s.rule_id, s.created_at, s.expires_at, s.evidence_ref, s.state, s.origin, s.note
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

    /** The attempts and evidence rows named by {@code refs} (ids of either), in the order given; unknown refs are left out. */
    List<SuppressionCause> causes(List<String> refs) {
        return db.read(c -> {
            List<SuppressionCause> out = new ArrayList<>();
            for (String ref : new java.util.LinkedHashSet<>(refs)) {
                if (ref == null || ref.isEmpty()) continue;
                Optional<SuppressionCause> attempt = MessageTables.attemptCause(c, ref);
                if (attempt.isPresent()) {
                    out.add(attempt.get());
                    continue;
                }
                EvidenceTables.byId(c, ref).ifPresent(e -> out.add(new SuppressionCause.EvidenceCause(ref, e)));
            }
            return out;
        });
    }

    /**
     * Removes the entry (removal) or a REVIEW entry (rejection) with one audit row and one outbox event, and
     * releases its held mail younger than {@code releaseWindow}, all in one transaction.
     *
     * @param force   whether the caller asked to lift a complaint (the admin scope is the caller's check)
     * @param reject  a rejected review (the entry must be in REVIEW) instead of a removal
     */
    SuppressionChange remove(String address, String stream, String actor, String note, boolean force, boolean reject, Duration releaseWindow) {
        String a = address.toLowerCase(Locale.ROOT);
        return db.write(c -> {
            long now = db.clock().millis();
            Optional<Suppression> found = entry(c, a, stream);
            if (found.isEmpty() || (reject && !active(found.get(), now))) return new SuppressionChange.Missing();
            Suppression s = found.get();
            if (reject && s.state() != SuppressionState.REVIEW) return new SuppressionChange.Refused(s, SuppressionChange.Why.NOT_IN_REVIEW);
            if (s.complaint() && !force) return new SuppressionChange.Refused(s, SuppressionChange.Why.COMPLAINT_NEEDS_FORCE);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE address = ? AND stream = ?")) {
                ps.setString(1, a);
                ps.setString(2, stream);
                ps.executeUpdate();
            }
            audit(c, now, s, reject ? "rejected" : "removed", actor, note);
            int released = release(c, db.tally(), a, stream, now, releaseWindow);
            event(c, now, "suppression.removed", s, reject ? "review" : "api", actor, note, released);
            return new SuppressionChange.Done(s, released);
        });
    }

    /** REVIEW → SUPPRESSED (expiring at {@code expiresAt}, else never), one audit row, one outbox event. */
    SuppressionChange approve(String address, String stream, String actor, String note, Optional<Instant> expiresAt) {
        String a = address.toLowerCase(Locale.ROOT);
        return db.write(c -> {
            long now = db.clock().millis();
            Optional<Suppression> found = entry(c, a, stream).filter(s -> active(s, now));
            if (found.isEmpty()) return new SuppressionChange.Missing();
            if (found.get().state() != SuppressionState.REVIEW)
                return new SuppressionChange.Refused(found.get(), SuppressionChange.Why.NOT_IN_REVIEW);
            Suppression s = found.get();
            Suppression approved = new Suppression(s.address(), s.stream(), s.reason(), s.ruleId(), s.createdAt(), expiresAt, s.evidenceRef(),
                    SuppressionState.SUPPRESSED, s.origin(), s.note());
            try (PreparedStatement ps = c.prepareStatement("UPDATE suppressions SET state = 'SUPPRESSED', expires_at = ? WHERE address = ? AND stream = ?")) {
                Rows.setInstant(ps, 1, expiresAt);
                ps.setString(2, a);
                ps.setString(3, stream);
                ps.executeUpdate();
            }
            audit(c, now, approved, "approved", actor, note);
            event(c, now, "suppression.created", approved, "review", actor, note, -1);
            return new SuppressionChange.Done(approved, 0);
        });
    }

    /** A manual entry (origin manual): refused while an active entry exists; one audit row, one outbox event. */
    SuppressionChange add(Suppression s, String actor) {
        Suppression e = s.lowerCased();
        return db.write(c -> {
            long now = db.clock().millis();
            Optional<Suppression> found = entry(c, e.address(), e.stream()).filter(x -> active(x, now));
            if (found.isPresent()) return new SuppressionChange.Refused(found.get(), SuppressionChange.Why.ALREADY_LISTED);
            write(c, e);
            audit(c, now, e, "created", actor, e.note());
            event(c, now, e.state() == SuppressionState.SUPPRESSED ? "suppression.created" : "suppression.review", e, "api", actor, e.note(), -1);
            return new SuppressionChange.Done(e, 0);
        });
    }

    /**
     * One chunk of a bulk import, in one transaction: each entry is written (origin import) with one audit row
     * (action {@code imported}) unless an active entry exists (then it is left as it is). Outbox events only when
     * {@code events} (one {@code suppression.created} / {@code suppression.review} per written entry, source
     * {@code import}): by default a bulk load (a list moved from another system, a million lines) is not news to the
     * applications, and a million webhook deliveries would bury the ones that are. Returns, per entry in order, whether
     * it was written.
     */
    boolean[] importChunk(List<Suppression> chunk, String actor, boolean events) {
        if (chunk.isEmpty()) return new boolean[0];
        return db.write(c -> {
            long now = db.clock().millis();
            boolean[] written = new boolean[chunk.size()];
            for (int i = 0; i < chunk.size(); i++) {
                Suppression e = chunk.get(i).lowerCased();
                Optional<Suppression> found = entry(c, e.address(), e.stream()).filter(x -> active(x, now));
                if (found.isPresent()) continue;
                write(c, e);
                audit(c, now, e, "imported", actor, e.note());
                if (events) event(c, now, e.state() == SuppressionState.SUPPRESSED ? "suppression.created" : "suppression.review", e,
                        "import", actor, e.note(), -1);
                written[i] = true;
            }
            return written;
        });
    }

    // ---- held mail (V21) ----------------------------------------------------------------------------------

    /** Records a recipient accepted while suppressed (in the acceptance's transaction). */
    static void hold(Connection c, String recipientId, String messageId, String address, String stream, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO held_mail (recipient_id, message_id, address, stream, held_at) VALUES (?,?,?,?,?)
                ON CONFLICT (recipient_id) DO NOTHING
                """)) {
            ps.setString(1, recipientId);
            ps.setString(2, messageId);
            ps.setString(3, address.toLowerCase(Locale.ROOT));
            ps.setString(4, stream);
            ps.setLong(5, now);
            ps.executeUpdate();
        }
    }

    /**
     * Releases the mail held for {@code address} on {@code stream} that was accepted within {@code window} before
     * {@code now}: those recipients go back to QUEUED (due now, {@code released_at} set; their last outcome, reason and
     * rule still say why they were held until an attempt replaces them), and every held row of the
     * address is deleted (older ones stay SUPPRESSED for good). Runs in the removal's transaction, so the release is
     * committed with the removal or not at all, and nothing is left to release twice.
     */
    static int release(Connection c, QueueTally tally, String address, String stream, long now, Duration window) throws SQLException {
        List<String[]> held = new ArrayList<>(); // recipient id, domain
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT h.recipient_id, r.domain FROM held_mail h JOIN recipients r ON r.id = h.recipient_id
                WHERE h.address = ? AND h.stream = ? AND h.held_at >= ?
                """)) {
            ps.setString(1, address);
            ps.setString(2, stream);
            ps.setLong(3, now - window.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) held.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        int released = 0;
        if (!held.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE recipients SET state = 'QUEUED', next_attempt_at = ?, released_at = ?, updated_at = ?
                    WHERE id = ? AND state = 'SUPPRESSED' AND released_at IS NULL
                    """)) {
                for (String[] h : held) {
                    ps.setLong(1, now);
                    ps.setLong(2, now);
                    ps.setLong(3, now);
                    ps.setString(4, h[0]);
                    if (ps.executeUpdate() == 1) {
                        released++;
                        tally.changed(RecipientState.SUPPRESSED, RecipientState.QUEUED);
                        tally.due(h[1], now);
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM held_mail WHERE address = ? AND stream = ?")) {
            ps.setString(1, address);
            ps.setString(2, stream);
            ps.executeUpdate();
        }
        return released;
    }

    // ---- provisional reviews (suppress.provisional.hard) --------------------------------------------------

    /** Candidates read per sweep, oldest first (more wait for the next sweep). */
    static final int SWEEP_LIMIT = 500;

    /**
     * Decides again every provisional review whose hold has ended by {@code now} ({@link SuppressionDecider#provisionalUntil}
     * over the address's final outcomes) and writes what the decider says at the end of the hold: the entry replaced
     * (SUPPRESSED, or the breaker's REVIEW) or lifted, with one audit row (actor {@code policy}, the rule, at the end of
     * the hold) and one outbox event. Reads first, so a sweep with nothing due writes nothing; then one transaction that
     * reads everything again and changes an entry only while it is still the provisional review it read (a second node's
     * sweep, or a newer decision, leaves nothing to do twice).
     */
    Promotions sweepProvisional(SuppressionDecider d, Instant now) {
        List<Suppression> due = db.read(c -> {
            List<Suppression> out = new ArrayList<>();
            for (Suppression s : provisionals(c)) {
                // no hold left to wait for (e.g. a delivery since the bounce): decided at once
                Optional<Instant> until = d.provisionalUntil(EvidenceTables.finalOutcomes(c, s.address(), s.stream()));
                if (!until.orElse(now).isAfter(now)) out.add(s);
            }
            return out;
        });
        if (due.isEmpty()) return new Promotions(0, 0, 0);
        return db.write(c -> {
            int suppressed = 0, reviewed = 0, lifted = 0;
            for (Suppression read : due) {
                Optional<Suppression> current = entry(c, read.address(), read.stream());
                if (current.isEmpty() || !current.get().equals(read)) continue; // changed since it was read
                List<FinalOutcome> finals = EvidenceTables.finalOutcomes(c, read.address(), read.stream());
                Instant at = d.provisionalUntil(finals).orElse(now); // none: nothing provisional left (a delivery since), decide now
                if (at.isAfter(now)) continue;
                List<FinalOutcome> upTo = finals.stream().filter(f -> !f.at().isAfter(at)).toList();
                SuppressionDecider.Promotion p = d.promote(read.address(), read.stream(), upTo,
                        domainOutcomes(c, MailDomain.of(read.address()), at.minus(d.breakerWindow()), at), at);
                long atMillis = at.toEpochMilli();
                if (p.entry().isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM suppressions WHERE address = ? AND stream = ? AND state = 'REVIEW' AND rule_id = ? AND created_at = ?")) {
                        ps.setString(1, read.address());
                        ps.setString(2, read.stream());
                        ps.setString(3, read.ruleId());
                        ps.setLong(4, read.createdAt().toEpochMilli());
                        if (ps.executeUpdate() != 1) continue;
                    }
                    audit(c, atMillis, read, "removed", "policy", p.ruleId());
                    event(c, atMillis, "suppression.removed", read, "policy", "policy", p.ruleId(), -1);
                    lifted++;
                    continue;
                }
                Suppression e = p.entry().get().withEvidenceRef(read.evidenceRef()).lowerCased();
                if (e.state() == read.state() && e.ruleId().equals(read.ruleId())) continue; // still provisional: not due after all
                // only while the row is still the provisional review read (another node's sweep that got there first, or a
                // newer decision, changed it: on PostgreSQL this UPDATE waits for that transaction, then matches nothing)
                try (PreparedStatement ps = c.prepareStatement("UPDATE suppressions SET reason = ?, rule_id = ?, created_at = ?, expires_at = ?,"
                        + " state = ? WHERE address = ? AND stream = ? AND state = 'REVIEW' AND rule_id = ? AND created_at = ?")) {
                    ps.setString(1, e.reason());
                    ps.setString(2, e.ruleId());
                    ps.setLong(3, e.createdAt().toEpochMilli());
                    Rows.setInstant(ps, 4, e.expiresAt());
                    ps.setString(5, e.state().name());
                    ps.setString(6, read.address());
                    ps.setString(7, read.stream());
                    ps.setString(8, read.ruleId());
                    ps.setLong(9, read.createdAt().toEpochMilli());
                    if (ps.executeUpdate() != 1) continue;
                }
                audit(c, atMillis, e, "updated", "policy", e.ruleId());
                event(c, atMillis, e.state() == SuppressionState.SUPPRESSED ? "suppression.created" : "suppression.review", e, "policy",
                        "policy", e.ruleId(), -1);
                if (e.state() == SuppressionState.SUPPRESSED) suppressed++;
                else reviewed++;
            }
            return new Promotions(suppressed, reviewed, lifted);
        });
    }

    /**
     * The provisional reviews, oldest first, at most {@link #SWEEP_LIMIT}: the partial index {@code suppressions_provisional}
     * (V23), whose condition the query repeats literally (SQLite uses a partial index only for a literal match).
     */
    private static List<Suppression> provisionals(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM suppressions WHERE state = 'REVIEW' AND rule_id = '"
                + SuppressionPolicy.PROVISIONAL_HARD + "' ORDER BY created_at, address, stream LIMIT ?")) {
            ps.setInt(1, SWEEP_LIMIT);
            return rows(ps);
        }
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

    /**
     * The circuit breaker's counts of {@code domain} in the whole minutes from {@code since}'s up to (without)
     * {@code until}'s: what a decision at {@code until} sees, whenever it is read.
     */
    static DomainOutcomes domainOutcomes(Connection c, String domain, Instant since, Instant until) throws SQLException {
        String d = domain.toLowerCase(Locale.ROOT);
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(finals), 0), COALESCE(SUM(failures), 0) FROM domain_outcomes"
                + " WHERE domain = ? AND minute >= ? AND minute < ?")) {
            ps.setString(1, d);
            ps.setLong(2, minute(since.toEpochMilli()));
            ps.setLong(3, minute(until.toEpochMilli()));
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
