package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * The SQL of the {@code evidence} table (migration V10). Writes run on the store's group-commit writer
 * connection, so matching, the policy decision and every write of one piece of evidence are one transaction.
 */
final class EvidenceTables {
    private final Database db;

    EvidenceTables(Database db) {
        this.db = db;
    }

    /**
     * Stores the evidence in one write transaction (see {@link Store#recordEvidence}); with {@code mail} (may be null) the
     * bounce email too, once, when it is small enough to keep.
     */
    List<StoredEvidence> record(List<NewEvidence> evidence, String defaultStream, EvidenceDecision.Decider decider, BounceMail mail) {
        if (evidence.isEmpty()) return List.of();
        return db.write(c -> {
            long now = db.clock().millis();
            if (mail != null && mail.kept()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO bounce_mail (sha256, received_at, raw) VALUES (?,?,?) ON CONFLICT (sha256) DO NOTHING")) {
                    ps.setString(1, mail.sha256());
                    ps.setLong(2, now);
                    ps.setBytes(3, mail.raw());
                    ps.executeUpdate();
                }
            }
            return record(c, db.tally(), evidence, decider, defaultStream, now);
        });
    }

    List<EvidenceView> ofMessage(String messageId) {
        return db.read(c -> views(c, VIEW + "WHERE message_id = ? ORDER BY received_at, id", messageId, Integer.MAX_VALUE));
    }

    List<EvidenceView> ofAddress(String address, int limit) {
        return db.read(c -> views(c, VIEW + "WHERE address = ? ORDER BY received_at, id", address.toLowerCase(Locale.ROOT), limit));
    }

    /** The evidence row {@code id}, read on {@code c}. */
    static Optional<EvidenceView> byId(Connection c, String id) throws SQLException {
        return views(c, VIEW + "WHERE id = ?", id, 1).stream().findFirst();
    }

    List<EvidenceView> ofEvent(String providerEvent, int limit) {
        return db.read(c -> views(c, VIEW + "WHERE provider_event = ? ORDER BY received_at DESC, id", providerEvent, limit));
    }

    List<FinalOutcome> finalOutcomes(String address, String stream) {
        return db.read(c -> finalOutcomes(c, address, stream));
    }

    /** The recipient's state now, read in the writing transaction (empty when the row does not exist). */
    private static Optional<RecipientState> recipientState(Connection c, String recipientId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM recipients WHERE id = ?")) {
            ps.setString(1, recipientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(RecipientState.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    /**
     * Stores each piece of evidence: insert-or-ignore by dedup key, then (only when it was new) the policy decision,
     * the recipient update, the suppression and one outbox event.
     */
    private static List<StoredEvidence> record(Connection c, QueueTally tally, List<NewEvidence> items, EvidenceDecision.Decider decider,
                                               String defaultStream, long now) throws SQLException {
        List<StoredEvidence> out = new ArrayList<>(items.size());
        for (NewEvidence e : items) {
            Optional<String> existing = idByDedupKey(c, e.dedupKey());
            EvidenceMatch match = match(c, e, defaultStream);
            if (existing.isPresent()) {
                out.add(new StoredEvidence(existing.get(), true, match, EvidenceDecision.none()));
                continue;
            }
            List<FinalOutcome> finals = e.address().isEmpty() ? List.of() : finalOutcomes(c, match.address(), match.stream());
            Instant at = Instant.ofEpochMilli(now);
            EvidenceDecision d = decider.decide(e, match, finals,
                    SuppressionTables.domainOutcomes(c, e.domain(), at.minus(decider.breakerWindow())), at);
            String id = Database.newId();
            int inserted = insert(c, id, e, match, d, now);
            if (inserted == 0) { // a concurrent writer on another node stored it first
                out.add(new StoredEvidence(idByDedupKey(c, e.dedupKey()).orElse(id), true, match, EvidenceDecision.none()));
                continue;
            }
            if (match.recipientId().isPresent() && d.newState().isPresent()) {
                RecipientState s = d.newState().get();
                Optional<RecipientState> before = match.currentState();
                if (before.isEmpty()) before = recipientState(c, match.recipientId().get());
                // the update checks the state it replaces (for the queue counts): when another writer changed it since
                // the match read it, the row is read again and the update runs with the state read
                for (int tries = 0; before.isPresent(); tries++) {
                    try (PreparedStatement ps = c.prepareStatement("""
                            UPDATE recipients SET state = ?, next_attempt_at = ?, last_outcome = ?, last_reason = ?, last_rule = ?, updated_at = ?
                            WHERE id = ? AND state = ?
                            """)) {
                        ps.setString(1, s.name());
                        ps.setNull(2, Types.BIGINT);
                        ps.setString(3, e.outcome().map(Enum::name).orElse(s.name()));
                        ps.setString(4, d.decisionReason());
                        ps.setString(5, d.decisionRule());
                        ps.setLong(6, now);
                        ps.setString(7, match.recipientId().get());
                        ps.setString(8, before.get().name());
                        if (ps.executeUpdate() == 1) {
                            tally.changed(before.get(), s);
                            break;
                        }
                    }
                    Optional<RecipientState> read = recipientState(c, match.recipientId().get());
                    if (read.isPresent() && (read.equals(before) || tries >= 3)) throw new StoreException("the state of recipient "
                            + match.recipientId().get() + " kept changing under the evidence update (" + read.get() + "); nothing of this "
                            + "evidence was committed, send it again", null);
                    before = read;
                }
            }
            int[] counted = breakerCounts(match.recipientId().isPresent() ? match.currentState() : Optional.empty(),
                    match.recipientId().isPresent() ? d.newState() : e.outcome().map(RecipientState::of));
            SuppressionTables.addDomainOutcomes(c, e.domain(), now, counted[0], counted[1]);
            OutcomeTables.countEvidence(c, e.domain(), match.stream(), now,
                    match.recipientId().isPresent() ? match.currentState() : Optional.empty(),
                    match.recipientId().isPresent() ? d.newState() : e.outcome().map(RecipientState::of));
            if (d.suppression().isPresent()) {
                Suppression s = d.suppression().get();
                // keep the decision's state: a breaker Review must stay REVIEW (it was stored as SUPPRESSED before)
                SuppressionTables.upsert(c, s.withEvidenceRef(id));
            }
            String type = d.newState().map(s -> "recipient." + s.name().toLowerCase(Locale.ROOT)).orElse("evidence.recorded");
            ObjectNode payload = Outbox.JSON.createObjectNode().put("evidence_id", id).put("source", e.source())
                    .put("provider", e.provider()).put("provider_event", e.providerEvent())
                    .put("address", match.address().toLowerCase(Locale.ROOT)).put("stream", match.stream())
                    .put("matched_by", match.matchedBy()).put("outcome", e.outcome().map(Enum::name).orElse(""))
                    .put("reason", e.reason()).put("rule_id", e.ruleId()).put("state", d.newState().map(Enum::name).orElse(""))
                    .put("decision_rule", d.decisionRule()).put("suppression_rule", d.suppressionRule())
                    // the evidence the outbound webhooks carry (V13)
                    .put("smtp_code", e.smtpCode()).put("enhanced_code", e.enhancedCode()).put("raw_reason", e.rawReason())
                    .put("recipient_domain", e.domain()).put("decision", d.newState().map(Enum::name).orElse(""))
                    .put("occurred_at", e.occurredAt().map(Instant::toString).orElse(Instant.ofEpochMilli(now).toString()));
            d.suppression().ifPresent(sup -> payload.set("suppression", Outbox.suppressionJson(sup.withEvidenceRef(id))));
            Outbox.event(c, now, type, match.messageId().orElse(""), match.recipientId().orElse(null), payload);
            out.add(new StoredEvidence(id, false, match, d));
        }
        return out;
    }

    /**
     * What one new piece of evidence adds to {@code domain_outcomes} (the suppression circuit breaker's counts, as
     * the attempts path adds its final outcomes): {finals, failures}. {@code before} is the matched recipient's state
     * (empty when the evidence matched none), {@code after} the state the evidence gives it (for unmatched evidence:
     * its outcome's state). Counted are the delivery results DELIVERED, BOUNCED_SOFT, BOUNCED_HARD, BLOCKED_POLICY;
     * a complaint is the recipient's act, not a sign of a failing domain, and DEFERRED is not final. A recipient
     * whose result was already counted (by an attempt or earlier evidence) is not counted again as a final: a late
     * bounce after DELIVERED adds one failure only. Never negative (a count already made stays).
     */
    static int[] breakerCounts(Optional<RecipientState> before, Optional<RecipientState> after) {
        boolean wasFinal = before.filter(EvidenceTables::counted).isPresent();
        boolean wasFailure = before.filter(s -> counted(s) && s != RecipientState.DELIVERED).isPresent();
        boolean isFinal = after.filter(EvidenceTables::counted).isPresent();
        boolean isFailure = after.filter(s -> counted(s) && s != RecipientState.DELIVERED).isPresent();
        return new int[] {isFinal && !wasFinal ? 1 : 0, isFailure && !wasFailure ? 1 : 0};
    }

    private static boolean counted(RecipientState s) {
        return switch (s) {
            case DELIVERED, BOUNCED_SOFT, BOUNCED_HARD, BLOCKED_POLICY -> true;
            case QUEUED, DEFERRED, COMPLAINT, SUPPRESSED -> false;
        };
    }

    private static Optional<String> idByDedupKey(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM evidence WHERE dedup_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static final String RECIPIENT = """
            SELECT r.id, r.message_id, r.state, m.stream, r.address FROM recipients r JOIN messages m ON m.id = r.message_id
            """;

    static EvidenceMatch match(Connection c, NewEvidence e, String defaultStream) throws SQLException {
        String address = e.address().toLowerCase(Locale.ROOT);
        if (e.reboundRecipientId().isPresent()) {
            Optional<EvidenceMatch> m = one(c, RECIPIENT + "WHERE r.id = ?", "rebound-recipient-id",
                    (ps, x) -> set(ps, 1, e.reboundRecipientId().get()));
            if (m.isPresent()) return m.get();
        }
        if (e.reboundMessageId().isPresent() && !address.isEmpty()) {
            Optional<EvidenceMatch> m = one(c, RECIPIENT + "WHERE r.message_id = ? AND LOWER(r.address) = ?", "rebound-message-id",
                    (ps, x) -> { set(ps, 1, e.reboundMessageId().get()); set(ps, 2, address); });
            if (m.isPresent()) return m.get();
        }
        if (!e.headerMessageId().isEmpty() && !address.isEmpty()) {
            Optional<EvidenceMatch> m = one(c, RECIPIENT + "WHERE m.header_message_id IN (?, ?) AND LOWER(r.address) = ? ORDER BY m.created_at DESC",
                    "message-id-header", (ps, x) -> {
                        set(ps, 1, e.headerMessageId());
                        set(ps, 2, "<" + e.headerMessageId() + ">");
                        set(ps, 3, address);
                    });
            if (m.isPresent()) return m.get();
        }
        return new EvidenceMatch("none", Optional.empty(), Optional.empty(), Optional.empty(), address,
                e.stream().orElse(defaultStream));
    }

    private static void set(PreparedStatement ps, int i, String v) {
        try {
            ps.setString(i, v);
        } catch (SQLException ex) {
            throw new StoreException("cannot bind evidence match parameter: " + ex.getMessage(), ex);
        }
    }

    private static Optional<EvidenceMatch> one(Connection c, String sql, String by, BiConsumer<PreparedStatement, Void> bind) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind.accept(ps, null);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new EvidenceMatch(by, Optional.of(rs.getString(2)), Optional.of(rs.getString(1)),
                        Optional.of(RecipientState.valueOf(rs.getString(3))), rs.getString(5), rs.getString(4)));
            }
        }
    }

    private static int insert(Connection c, String id, NewEvidence e, EvidenceMatch m, EvidenceDecision d, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO evidence (id, dedup_key, source, provider, provider_event, provider_message_id, header_message_id,
                    message_id, recipient_id, matched_by, address, stream, recipient_domain, smtp_code, enhanced_code, raw_reason,
                    outcome, reason, rule_id, decision, decision_rule, suppression_rule, occurred_at, received_at, payload)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (dedup_key) DO NOTHING
                """)) {
            int i = 1;
            ps.setString(i++, id);
            ps.setString(i++, e.dedupKey());
            ps.setString(i++, e.source());
            ps.setString(i++, e.provider());
            ps.setString(i++, e.providerEvent());
            ps.setString(i++, e.providerMessageId());
            ps.setString(i++, e.headerMessageId());
            ps.setString(i++, m.messageId().orElse(null));
            ps.setString(i++, m.recipientId().orElse(null));
            ps.setString(i++, m.matchedBy());
            ps.setString(i++, m.address().toLowerCase(Locale.ROOT));
            ps.setString(i++, m.stream());
            ps.setString(i++, e.domain());
            ps.setInt(i++, e.smtpCode());
            ps.setString(i++, e.enhancedCode());
            ps.setString(i++, e.rawReason());
            ps.setString(i++, e.outcome().map(Enum::name).orElse(null));
            ps.setString(i++, e.outcome().isPresent() || !e.reason().isEmpty() ? e.reason() : null);
            ps.setString(i++, e.ruleId());
            ps.setString(i++, d.newState().map(Enum::name).orElse(null));
            ps.setString(i++, d.decisionRule().isEmpty() ? null : d.decisionRule());
            ps.setString(i++, d.suppressionRule().isEmpty() ? null : d.suppressionRule());
            if (e.occurredAt().isPresent()) ps.setLong(i++, e.occurredAt().get().toEpochMilli());
            else ps.setNull(i++, Types.BIGINT);
            ps.setLong(i++, now);
            ps.setString(i, e.payload());
            return ps.executeUpdate();
        }
    }

    /**
     * Final outcomes of {@code address} (any case: the list's entries are case-insensitive, as replay reads them) in
     * {@code stream}: attempts whose decision was final, then evidence with a final outcome (DELIVERED included: a
     * delivery resets the soft-bounce count), oldest first; rows of one millisecond in the order they were written (their
     * ids grow), so a delivery and a bounce recorded in the same millisecond are always read in the same order.
     */
    static List<FinalOutcome> finalOutcomes(Connection c, String address, String stream) throws SQLException {
        List<FinalOutcome> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.started_at, a.message_id, a.decision, a.decision_reason, a.decision_rule, a.smtp_code, a.enhanced_code,
                    a.reply_lines, a.phase, a.recipient_domain, a.id
                FROM attempts a JOIN recipients r ON r.id = a.recipient_id JOIN messages m ON m.id = a.message_id
                WHERE LOWER(r.address) = ? AND m.stream = ? AND a.decision NOT IN ('QUEUED', 'DEFERRED')
                UNION ALL
                SELECT e.received_at, COALESCE(e.message_id, ''), e.outcome, COALESCE(e.reason, ''), e.rule_id, e.smtp_code,
                    e.enhanced_code, e.raw_reason, 'NONE', e.recipient_domain, e.id
                FROM evidence e WHERE e.address = ? AND e.stream = ? AND e.outcome IS NOT NULL AND e.outcome <> 'DEFERRED'
                ORDER BY 1, 11
                """)) {
            ps.setString(1, address.toLowerCase(Locale.ROOT));
            ps.setString(2, stream);
            ps.setString(3, address.toLowerCase(Locale.ROOT));
            ps.setString(4, stream);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new FinalOutcome(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), RecipientState.valueOf(rs.getString(3)),
                        rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10)));
            }
        }
        return out;
    }

    static final String VIEW = """
            SELECT id, source, provider, provider_event, provider_message_id, header_message_id, message_id, recipient_id,
                matched_by, address, stream, recipient_domain, smtp_code, enhanced_code, raw_reason, outcome, reason, rule_id,
                decision, decision_rule, suppression_rule, occurred_at, received_at, payload
            FROM evidence
            """;

    private static List<EvidenceView> views(Connection c, String sql, String param, int limit) throws SQLException {
        List<EvidenceView> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && out.size() < limit) out.add(view(rs));
            }
        }
        return out;
    }

    /** One row of {@link #VIEW}'s columns. */
    static EvidenceView view(ResultSet rs) throws SQLException {
        return new EvidenceView(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), Rows.text(rs, 7), Rows.text(rs, 8), rs.getString(9), rs.getString(10), rs.getString(11),
                rs.getString(12), rs.getInt(13), rs.getString(14), rs.getString(15), Rows.text(rs, 16), Rows.text(rs, 17),
                rs.getString(18), Rows.text(rs, 19), Rows.text(rs, 20), Rows.text(rs, 21), Rows.instant(rs, 22),
                Rows.requiredInstant(rs, 23), rs.getString(24));
    }
}
