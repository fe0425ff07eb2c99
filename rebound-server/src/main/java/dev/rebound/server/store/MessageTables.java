package dev.rebound.server.store;

import dev.rebound.core.smtp.MailDomain;
import dev.rebound.core.tls.TlsDecision;
import dev.rebound.core.tls.TlsMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Messages and their queue ({@code messages}, {@code recipients}, {@code attempts}, V1): acceptance with the
 * idempotency key, leases, attempt groups (with the suppression decided on the history read in their transaction),
 * postponing, and the read side (message views, queue figures).
 */
final class MessageTables {
    private final Database db;

    MessageTables(Database db) {
        this.db = db;
    }

    // ---- writes -------------------------------------------------------------------------------------------

    AcceptResult accept(NewMessage m) {
        return acceptAll(List.of(m)).get(0);
    }

    /**
     * Accepts messages in one transaction: all of them are committed together or none is (a failure of the
     * transaction fails the call). Each message is checked against the idempotency keys committed before and those
     * of the messages before it in the list. The results are in the order of {@code ms}.
     */
    List<AcceptResult> acceptAll(List<NewMessage> ms) {
        // the ids and the event payloads are prepared on the caller's thread: the single writer thread only writes
        List<String> ids = new ArrayList<>(ms.size());
        List<String> payloads = new ArrayList<>(ms.size());
        for (NewMessage m : ms) {
            String id = Database.newId();
            ids.add(id);
            payloads.add(Outbox.json(Outbox.JSON.createObjectNode().put("message_id", id).put("stream", m.stream())
                    .put("recipients", m.recipients().size())));
        }
        return db.write(c -> {
            List<AcceptResult> out = new ArrayList<>(ms.size());
            for (int i = 0; i < ms.size(); i++) out.add(acceptIn(c, ms.get(i), ids.get(i), payloads.get(i)));
            return List.copyOf(out);
        });
    }

    private AcceptResult acceptIn(Connection c, NewMessage m, String id, String acceptedPayload) throws SQLException {
        if (m.idempotencyKey().isPresent()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, request_hash FROM messages WHERE idempotency_key = ?")) {
                ps.setString(1, m.idempotencyKey().get());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String existing = rs.getString(1);
                        if (!m.requestHash().equals(rs.getString(2))) return new AcceptResult.Conflict(existing);
                        return new AcceptResult.Replayed(receipt(c, existing));
                    }
                }
            }
        }
        long now = db.clock().millis();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO messages (id, stream, mail_from, header_message_id, raw, size_bytes, source, idempotency_key,
                    request_hash, created_at)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """)) {
            ps.setString(1, id);
            ps.setString(2, m.stream());
            ps.setString(3, m.mailFrom());
            ps.setString(4, m.headerMessageId());
            ps.setBytes(5, m.raw());
            ps.setLong(6, m.raw().length);
            ps.setString(7, m.source());
            ps.setString(8, m.idempotencyKey().orElse(null));
            ps.setString(9, m.requestHash());
            ps.setLong(10, now);
            ps.executeUpdate();
        }
        List<AcceptResult.RecipientReceipt> receipts = new ArrayList<>();
        List<String[]> suppressedAtIntake = new ArrayList<>(0);
        List<Suppression> suppressedEntries = new ArrayList<>(0);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO recipients (id, message_id, position, address, domain, state, initial_state, next_attempt_at,
                    attempt_count, last_outcome, last_reason, last_rule, updated_at, queued_at)
                VALUES (?,?,?,?,?,?,?,?,0,?,?,?,?,?)
                """)) {
            QueueTally tally = db.tally();
            int pos = 0;
            Map<String, Suppression> blocked = SuppressionTables.blockingAll(c, m.recipients(), m.stream(), now);
            for (String address : m.recipients()) {
                Optional<Suppression> sup = Optional.ofNullable(blocked.get(address.toLowerCase(Locale.ROOT)));
                RecipientState state = sup.isPresent() ? RecipientState.SUPPRESSED : RecipientState.QUEUED;
                String rid = Database.newId();
                String domain = MailDomain.of(address);
                ps.setString(1, rid);
                ps.setString(2, id);
                ps.setInt(3, pos++);
                ps.setString(4, address);
                ps.setString(5, domain);
                ps.setString(6, state.name());
                ps.setString(7, state.name());
                Rows.setInstant(ps, 8, sup.isPresent() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(now)));
                ps.setString(9, sup.map(s -> "SUPPRESSED").orElse(null));
                ps.setString(10, sup.map(Suppression::reason).orElse(null));
                ps.setString(11, sup.map(s -> "suppression." + s.ruleId()).orElse(null));
                ps.setLong(12, now);
                // queued_at: the acceptance time of a waiting recipient (the message's created_at), for the oldest-waiting figure
                if (sup.isPresent()) ps.setNull(13, java.sql.Types.BIGINT);
                else ps.setLong(13, now);
                ps.addBatch();
                tally.inserted(state);
                if (sup.isEmpty()) tally.due(domain, now);
                receipts.add(new AcceptResult.RecipientReceipt(rid, address, state));
                if (sup.isPresent()) suppressedAtIntake.add(new String[] {rid, address});
                // held: released once if the entry is removed within suppression.release-window (V21)
                if (sup.isPresent()) SuppressionTables.hold(c, rid, id, address, m.stream(), now);
                if (sup.isPresent()) suppressedEntries.add(sup.get());
            }
            ps.executeBatch();
        }
        Outbox.event(c, now, "message.accepted", id, null, acceptedPayload);
        for (int k = 0; k < suppressedAtIntake.size(); k++) {
            String[] r = suppressedAtIntake.get(k);
            Suppression sup = suppressedEntries.get(k);
            ObjectNode p = Outbox.JSON.createObjectNode().put("message_id", id).put("recipient_id", r[0]).put("source", "intake")
                    .put("state", RecipientState.SUPPRESSED.name()).put("outcome", RecipientState.SUPPRESSED.name())
                    .put("reason", sup.reason()).put("rule_id", "suppression." + sup.ruleId()).put("recipient_domain", MailDomain.of(r[1]))
                    .put("decision", RecipientState.SUPPRESSED.name()).put("decision_rule", "suppression." + sup.ruleId())
                    .put("occurred_at", Instant.ofEpochMilli(now).toString());
            p.set("suppression", Outbox.suppressionJson(sup));
            Outbox.event(c, now, "recipient.suppressed", id, r[0], p);
        }
        return new AcceptResult.Created(new AcceptResult.Receipt(id, List.copyOf(receipts)));
    }

    private static AcceptResult.Receipt receipt(Connection c, String messageId) throws SQLException {
        List<AcceptResult.RecipientReceipt> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, address, initial_state FROM recipients WHERE message_id = ? ORDER BY position")) {
            ps.setString(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new AcceptResult.RecipientReceipt(rs.getString(1), rs.getString(2), RecipientState.valueOf(rs.getString(3))));
            }
        }
        return new AcceptResult.Receipt(messageId, List.copyOf(out));
    }

    /** How many due domains one claim looks at (in due order); the rest wait for the next claim. */
    static final int DOMAINS_PER_CLAIM = 64;

    /**
     * The claim without a table scan: the due domains from {@code queue_domains} (a lower bound of when each can next
     * be claimed, in its index), then per domain its oldest due free recipients (index {@code (domain,
     * next_attempt_at)}); the leases are taken and each examined domain's bound is raised to the true value (the next
     * free recipient's due time, or the earliest lease expiry when the domain is full or has only leased work) by the
     * group's {@link QueueTally}, compare-and-set on the version read here.
     *
     * <p>No domain is locked for an unlimited claim ({@code perDomain} = {@link Integer#MAX_VALUE}, the default): two
     * nodes claiming one busy domain skip each other's rows ({@code SKIP LOCKED} on the recipients) and both get work.
     * With a limit, the live leases (partial index on leased rows) are counted against {@code perDomain}, and claimers
     * of one domain are serialised by {@link Dialect#lockDomainClaim} (PostgreSQL: a transaction-level advisory lock,
     * waited for, never skipped; SQLite has one writer): the next claimer counts the leases the previous one committed,
     * so all nodes together never hold more than {@code perDomain} unexpired leases of one domain.
     */
    List<Claim> claimDue(String owner, int limit, Duration lease, int perDomain) {
        boolean limited = perDomain != Integer.MAX_VALUE;
        return db.write(c -> {
            long now = db.clock().millis();
            Map<String, Long> domains = new LinkedHashMap<>(); // domain -> the row version read, in due order
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT domain, version FROM queue_domains WHERE next_due_at IS NOT NULL AND next_due_at <= ?
                    ORDER BY next_due_at, domain LIMIT ?""")) {
                ps.setLong(1, now);
                ps.setInt(2, DOMAINS_PER_CLAIM);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) domains.put(rs.getString(1), rs.getLong(2));
                }
            }
            if (domains.isEmpty()) return List.<Claim>of();
            List<Claim> found = new ArrayList<>();
            Map<String, Integer> used = new LinkedHashMap<>();
            for (String d : domains.keySet()) {
                if (domainPaused(c, d)) continue;
                int live = 0;
                if (limited) {
                    db.dialect().lockDomainClaim(c, d);
                    live = liveLeases(c, d, now);
                }
                int take = Math.min(perDomain - live, limit - found.size());
                int got = 0;
                if (take > 0) {
                    try (PreparedStatement ps = c.prepareStatement("""
                            SELECT r.id, r.message_id, r.address, r.domain, r.attempt_count, m.created_at, r.lease_version
                            FROM recipients r JOIN messages m ON m.id = r.message_id
                            WHERE r.domain = ? AND r.next_attempt_at IS NOT NULL AND r.next_attempt_at <= ?
                              AND (r.lease_owner IS NULL OR r.lease_expires_at <= ?)
                              AND NOT EXISTS (SELECT 1 FROM pauses p WHERE p.scope_kind = 'stream' AND p.scope = m.stream)
                            ORDER BY r.next_attempt_at LIMIT ?
                            """ + db.dialect().skipLocked("r"))) {
                        ps.setString(1, d);
                        ps.setLong(2, now);
                        ps.setLong(3, now);
                        ps.setInt(4, take);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                found.add(new Claim(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                                        Rows.requiredInstant(rs, 6), new Claim.Lease(owner, rs.getLong(7) + 1)));
                                got++;
                            }
                        }
                    }
                }
                used.put(d, live + got);
                if (found.size() >= limit) break;
            }
            List<Claim> claims = lease(c, found, now + lease.toMillis());
            QueueTally tally = db.tally();
            for (var e : used.entrySet()) {
                boolean full = e.getValue() >= perDomain;
                tally.raise(e.getKey(), domains.get(e.getKey()), dueBound(c, e.getKey(), now, full), full);
            }
            return claims;
        });
    }

    /** Whether delivery to the domain is paused ({@code pauses}, V40): its recipients are not claimed. */
    private static boolean domainPaused(Connection c, String domain) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pauses WHERE scope_kind = 'domain' AND scope = ?")) {
            ps.setString(1, domain);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Recipients of {@code domain} under an unexpired lease, whoever holds it (partial index on leased rows). */
    private static int liveLeases(Connection c, String domain, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT COUNT(*) FROM recipients WHERE domain = ? AND lease_owner IS NOT NULL AND lease_expires_at > ?
                """)) {
            ps.setString(1, domain);
            ps.setLong(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * When a claim for the domain can next succeed: the earliest due time of a free recipient (unless the domain is
     * full) or the earliest expiry of a live lease; null when it has no waiting recipient. Writes lower it again
     * ({@link QueueTally}): a recipient inserted or made due, a lease freed while the domain is full.
     */
    private static Long dueBound(Connection c, String domain, long now, boolean full) throws SQLException {
        Long next = null;
        if (!full) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT next_attempt_at FROM recipients WHERE domain = ? AND next_attempt_at IS NOT NULL
                      AND (lease_owner IS NULL OR lease_expires_at <= ?) ORDER BY next_attempt_at LIMIT 1
                    """)) {
                ps.setString(1, domain);
                ps.setLong(2, now);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) next = rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT MIN(lease_expires_at) FROM recipients WHERE domain = ? AND lease_owner IS NOT NULL AND lease_expires_at > ?
                """)) {
            ps.setString(1, domain);
            ps.setLong(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long expiry = rs.getLong(1);
                    if (!rs.wasNull() && (next == null || expiry < next)) next = expiry;
                }
            }
        }
        return next;
    }

    /**
     * Takes the leases of {@code found} (read in this transaction with their current version): each row gets the
     * owner, the expiry and its version + 1, only if its version is still the one read (so two claimers can never
     * both hold a row). Returns the claims that got their lease.
     */
    static List<Claim> lease(Connection c, List<Claim> found, long expiresAt) throws SQLException {
        if (found.isEmpty()) return found;
        List<Claim> claims = new ArrayList<>(found.size());
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE recipients SET lease_owner = ?, lease_expires_at = ?, lease_version = ? WHERE id = ? AND lease_version = ?
                """)) {
            int[] counts = Dialect.of(c).updateEach(ps, found.size(), (p, i) -> {
                Claim cl = found.get(i);
                p.setString(1, cl.lease().owner());
                p.setLong(2, expiresAt);
                p.setLong(3, cl.lease().version());
                p.setString(4, cl.recipientId());
                p.setLong(5, cl.lease().version() - 1);
            });
            for (int i = 0; i < counts.length; i++) if (counts[i] == 1) claims.add(found.get(i));
        }
        return claims;
    }

    /**
     * Extends the leases of work in flight to now + {@code lease}, each only while the recipient still carries the
     * claim's lease (owner and version). Returns the recipients whose lease was lost (taken over by another claim: its
     * version moved on). A recipient whose lease this very claim freed meanwhile (its result or postponement
     * committed between the caller's look at what is in flight and this write: same version, no owner) is finished,
     * not lost.
     */
    Fenced renewLeases(List<Claim> claims, Duration lease) {
        if (claims.isEmpty()) return Fenced.NONE;
        return db.write(c -> {
            long until = db.clock().millis() + lease.toMillis();
            List<String> refused = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE recipients SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND lease_version = ?
                    """)) {
                int[] counts = db.dialect().updateEach(ps, claims.size(), (p, i) -> {
                    Claim cl = claims.get(i);
                    p.setLong(1, until);
                    p.setString(2, cl.recipientId());
                    p.setString(3, cl.lease().owner());
                    p.setLong(4, cl.lease().version());
                });
                for (int i = 0; i < counts.length; i++) if (counts[i] != 1) refused.add(claims.get(i).recipientId());
            }
            if (refused.isEmpty()) return Fenced.NONE;
            Map<String, Claim> byId = new LinkedHashMap<>();
            for (Claim cl : claims) byId.put(cl.recipientId(), cl);
            List<String> finished = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT lease_owner, lease_version FROM recipients WHERE id = ?")) {
                for (String id : refused) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getString(1) == null && rs.getLong(2) == byId.get(id).lease().version()) finished.add(id);
                    }
                }
            }
            refused.removeAll(finished);
            return new Fenced(refused);
        });
    }

    Fenced recordAttempts(List<AttemptRecord> attempts, SuppressionDecider suppressions) {
        if (attempts.isEmpty()) return Fenced.NONE;
        // ids and event payloads are prepared on the caller's thread: the single writer thread only writes
        String[] attemptIds = new String[attempts.size()];
        String[] payloads = new String[attempts.size()];
        ObjectNode[] payloadNodes = new ObjectNode[attempts.size()];
        for (int k = 0; k < attempts.size(); k++) {
            AttemptRecord a = attempts.get(k);
            attemptIds[k] = Database.newId();
            ObjectNode p = Outbox.JSON.createObjectNode().put("message_id", a.messageId()).put("recipient_id", a.recipientId())
                    .put("state", a.newState().name()).put("smtp_code", a.reply().code()).put("enhanced_code", a.enhancedCode())
                    .put("reason", a.classification().reason().id()).put("rule_id", a.classification().ruleId()).put("attempt_id", attemptIds[k])
                    // the evidence the outbound webhooks carry (V13): everything of the attempt and its decision
                    .put("source", "attempt").put("outcome", a.classification().outcome().name()).put("raw_reason", a.reply().wire())
                    .put("recipient_domain", a.domain()).put("attempt", a.attemptNo()).put("phase", a.phase().name())
                    .put("mx_host", a.mxHost()).put("mx_ip", a.mxIp()).put("decision", a.newState().name())
                    .put("decision_reason", a.decisionReason()).put("decision_rule", a.decision().ruleId())
                    .put("occurred_at", a.startedAt().toString());
            a.nextAttemptAt().ifPresent(t -> p.put("next_attempt_at", t.toString()));
            payloadNodes[k] = p;
            payloads[k] = Outbox.json(p);
        }
        return db.write(c -> {
            long now = db.clock().millis();
            QueueTally tally = db.tally();
            List<String> refused = new ArrayList<>(0);
            List<AttemptRecord> written = new ArrayList<>(attempts.size());
            for (int k = 0; k < attempts.size(); k++) {
                AttemptRecord a = attempts.get(k);
                String attemptId = attemptIds[k];
                // Fencing first: the recipient is updated only while it carries this attempt's lease; a stale writer
                // (its lease expired and another node claimed the recipient) writes nothing at all for it.
                Optional<RecipientState> before = fencedResult(c, a, now);
                if (before.isEmpty()) {
                    refused.add(a.recipientId());
                    continue;
                }
                tally.changed(before.get(), a.newState());
                a.nextAttemptAt().ifPresent(t -> tally.due(a.domain(), t.toEpochMilli()));
                tally.freed(a.domain(), now);
                written.add(a);
                // The suppression decision reads the history it is written against in this transaction (before this
                // attempt's own rows, which it is given as the latest final outcome).
                Optional<Suppression> suppression = Optional.empty();
                if (a.finalFailure()) {
                    List<FinalOutcome> finals = new ArrayList<>(EvidenceTables.finalOutcomes(c, a.address(), a.stream()));
                    finals.add(a.asFinal());
                    suppression = suppressions.decide(a.address(), a.stream(), finals,
                            SuppressionTables.domainOutcomes(c, a.domain(), a.decidedAt().minus(suppressions.breakerWindow())), a.decidedAt());
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO attempts (id, recipient_id, message_id, attempt_no, started_at, duration_ms, recipient_domain,
                            mx_host, mx_ip, phase, smtp_code, enhanced_code, reply_lines, local_reply, outcome, reason, rule_id,
                            decision, decision_reason, decision_rule, next_attempt_at, provider_event, raw_reason,
                            tls_rule, tls_verdict, tls_mode, tls_policy_id, tls, tls_detail)
                        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?,?)
                        """)) {
                    int i = 1;
                    ps.setString(i++, attemptId);
                    ps.setString(i++, a.recipientId());
                    ps.setString(i++, a.messageId());
                    ps.setInt(i++, a.attemptNo());
                    ps.setLong(i++, a.startedAt().toEpochMilli());
                    ps.setLong(i++, a.duration().toMillis());
                    ps.setString(i++, a.domain());
                    ps.setString(i++, a.mxHost());
                    ps.setString(i++, a.mxIp());
                    ps.setString(i++, a.phase().name());
                    ps.setInt(i++, a.reply().code());
                    ps.setString(i++, a.enhancedCode());
                    ps.setString(i++, String.join("\n", a.reply().lines()));
                    ps.setInt(i++, a.local() ? 1 : 0);
                    ps.setString(i++, a.classification().outcome().name());
                    ps.setString(i++, a.classification().reason().id());
                    ps.setString(i++, a.classification().ruleId());
                    ps.setString(i++, a.newState().name());
                    ps.setString(i++, a.decisionReason());
                    ps.setString(i++, a.decision().ruleId());
                    Rows.setInstant(ps, i++, a.nextAttemptAt());
                    ps.setString(i++, a.reply().wire());
                    TlsDecision tls = a.tls().orElse(null);
                    ps.setString(i++, tls == null ? "" : tls.rule());
                    ps.setString(i++, tls == null ? "" : tls.verdict().name());
                    ps.setString(i++, tls == null ? "" : tls.mode().id());
                    ps.setString(i++, tls == null ? "" : tls.policyId());
                    ps.setString(i++, tls == null ? "" : tls.tls());
                    ps.setString(i, tls == null ? "" : tls.detail());
                    ps.executeUpdate();
                }
                String payload = payloads[k];
                if (suppression.isPresent()) { // decided here, so the event gets the entry here
                    payloadNodes[k].set("suppression", Outbox.suppressionJson(suppression.get().withEvidenceRef(attemptId)));
                    payload = Outbox.json(payloadNodes[k]);
                }
                Outbox.event(c, now, "recipient." + a.newState().name().toLowerCase(Locale.ROOT), a.messageId(), a.recipientId(), payload);
                if (suppression.isPresent()) SuppressionTables.upsert(c, suppression.get().withEvidenceRef(attemptId));
            }
            SuppressionTables.countFinals(c, written);
            OutcomeTables.countAttempts(c, written);
            return new Fenced(refused);
        });
    }

    private static final String RESULT = """
            UPDATE recipients SET state = ?, next_attempt_at = ?, attempt_count = ?, last_outcome = ?, last_reason = ?,
                last_rule = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND lease_version = ? AND state = ?
            """;

    /**
     * Writes an attempt's result on its recipient only while the recipient carries the attempt's lease (owner and
     * version), and returns the state it replaced (for the queue counts), empty when the lease is not held (fenced).
     * The state before is first taken to be the one a claimed recipient has (QUEUED before its first attempt, else
     * DEFERRED) and checked by the {@code UPDATE} itself; when it differs (late evidence changed it meanwhile), the row
     * is read and the update runs again with the state read, so the counts stay exact without a read per result.
     */
    private static Optional<RecipientState> fencedResult(Connection c, AttemptRecord a, long now) throws SQLException {
        RecipientState expected = a.attemptNo() <= 1 ? RecipientState.QUEUED : RecipientState.DEFERRED;
        for (int tries = 0; ; tries++) {
            try (PreparedStatement ps = c.prepareStatement(RESULT)) {
                ps.setString(1, a.newState().name());
                Rows.setInstant(ps, 2, a.nextAttemptAt());
                ps.setInt(3, a.attemptNo());
                ps.setString(4, a.classification().outcome().name());
                ps.setString(5, a.decisionReason());
                ps.setString(6, a.decision().ruleId());
                ps.setLong(7, now);
                ps.setString(8, a.recipientId());
                ps.setString(9, a.lease().owner());
                ps.setLong(10, a.lease().version());
                ps.setString(11, expected.name());
                if (ps.executeUpdate() == 1) return Optional.of(expected);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT state, lease_owner, lease_version FROM recipients WHERE id = ?")) {
                ps.setString(1, a.recipientId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !a.lease().owner().equals(rs.getString(2)) || rs.getLong(3) != a.lease().version()) return Optional.empty();
                    RecipientState now2 = RecipientState.valueOf(rs.getString(1));
                    if (now2 == expected || tries >= 3) {
                        throw new StoreException("recipient " + a.recipientId() + " holds lease " + a.lease() + " in state " + now2
                                + " but its result could not be written (its state kept changing under the update); nothing of this "
                                + "attempt group was committed, the scheduler may write it again", null);
                    }
                    expected = now2;
                }
            }
        }
    }

    Fenced postpone(List<Claim> claims, Instant at) {
        if (claims.isEmpty()) return Fenced.NONE;
        return db.write(c -> {
            List<String> refused = new ArrayList<>(0);
            QueueTally tally = db.tally();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE recipients SET next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
                    WHERE id = ? AND lease_owner = ? AND lease_version = ?
                    """)) {
                long now = db.clock().millis();
                int[] counts = db.dialect().updateEach(ps, claims.size(), (p, i) -> {
                    Claim cl = claims.get(i);
                    p.setLong(1, at.toEpochMilli());
                    p.setLong(2, now);
                    p.setString(3, cl.recipientId());
                    p.setString(4, cl.lease().owner());
                    p.setLong(5, cl.lease().version());
                });
                for (int i = 0; i < counts.length; i++) {
                    Claim cl = claims.get(i);
                    if (counts[i] != 1) {
                        refused.add(cl.recipientId());
                        continue;
                    }
                    tally.due(cl.domain(), at.toEpochMilli());
                    tally.freed(cl.domain(), now);
                }
            }
            return new Fenced(refused);
        });
    }

    int releaseLeases(String owner) {
        return db.write(c -> {
            // the domains whose leases are freed: their recipients may be claimable at once (a bound of now is a safe one)
            List<String> domains = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT domain FROM recipients WHERE lease_owner = ?")) {
                ps.setString(1, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) domains.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE recipients SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?")) {
                ps.setString(1, owner);
                int released = ps.executeUpdate();
                long now = db.clock().millis();
                for (String d : domains) db.tally().due(d, now);
                return released;
            }
        });
    }

    // ---- reads --------------------------------------------------------------------------------------------

    Optional<MessageContent> content(String messageId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT stream, mail_from, raw, created_at FROM messages WHERE id = ?")) {
                ps.setString(1, messageId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new MessageContent(messageId, rs.getString(1), rs.getString(2), rs.getBytes(3), Rows.requiredInstant(rs, 4)));
                }
            }
        });
    }

    /** The message, its recipients and all their attempts: three statements whatever the number of recipients. */
    Optional<MessageView> message(String id) {
        return db.read(c -> {
            MessageView base;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT stream, mail_from, header_message_id, size_bytes, source, created_at FROM messages WHERE id = ?
                    """)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    base = new MessageView(id, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                            Rows.requiredInstant(rs, 6), List.of());
                }
            }
            Map<String, List<MessageView.AttemptView>> attempts = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT a.recipient_id, """ + ATTEMPT_COLUMNS + """
                    FROM attempts a JOIN recipients r ON r.id = a.recipient_id
                    WHERE r.message_id = ? ORDER BY r.position, a.attempt_no, a.started_at
                    """)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) attempts.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(attempt(rs, 2));
                }
            }
            List<MessageView.RecipientView> recipients = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, address, domain, state, next_attempt_at, attempt_count, last_outcome, last_reason, last_rule, released_at
                    FROM recipients WHERE message_id = ? ORDER BY position
                    """)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        recipients.add(new MessageView.RecipientView(rs.getString(1), rs.getString(2), rs.getString(3),
                                RecipientState.valueOf(rs.getString(4)), Rows.instant(rs, 5), rs.getInt(6), Rows.text(rs, 7),
                                Rows.text(rs, 8), Rows.text(rs, 9), List.copyOf(attempts.getOrDefault(rs.getString(1), List.of())),
                                Rows.instant(rs, 10)));
                    }
                }
            }
            return Optional.of(new MessageView(base.id(), base.stream(), base.mailFrom(), base.headerMessageId(), base.sizeBytes(),
                    base.source(), base.createdAt(), List.copyOf(recipients)));
        });
    }

    /**
     * The messages matching {@code q}, newest first, with their recipients: two statements (the messages, then the
     * recipients of the page). An address or state condition is an {@code EXISTS} over the message's recipients, so a
     * message with several matching recipients is listed once.
     */
    List<MessageHit> search(MessageQuery q) {
        return db.read(c -> {
            StringBuilder sql = new StringBuilder("""
                    SELECT m.id, m.stream, m.mail_from, m.header_message_id, m.source, m.created_at FROM messages m WHERE 1 = 1
                    """);
            List<Object> args = new ArrayList<>();
            q.headerMessageId().ifPresent(h -> { sql.append(" AND m.header_message_id = ?"); args.add(h); });
            q.since().ifPresent(t -> { sql.append(" AND m.created_at >= ?"); args.add(t.toEpochMilli()); });
            q.until().ifPresent(t -> { sql.append(" AND m.created_at < ?"); args.add(t.toEpochMilli()); });
            if (q.address().isPresent() || q.state().isPresent()) {
                sql.append(" AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id");
                q.address().ifPresent(a -> { sql.append(" AND LOWER(r.address) = ?"); args.add(a.toLowerCase(Locale.ROOT)); });
                q.state().ifPresent(st -> { sql.append(" AND r.state = ?"); args.add(st.name()); });
                sql.append(")");
            }
            sql.append(" ORDER BY m.created_at DESC, m.id DESC LIMIT ?");
            args.add(q.limit());
            List<String[]> rows = new ArrayList<>();
            List<Instant> created = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
                        created.add(Rows.requiredInstant(rs, 6));
                    }
                }
            }
            if (rows.isEmpty()) return List.of();
            Map<String, List<MessageHit.Recipient>> recipients = new LinkedHashMap<>();
            String marks = String.join(",", java.util.Collections.nCopies(rows.size(), "?"));
            try (PreparedStatement ps = c.prepareStatement("SELECT message_id, address, state, attempt_count FROM recipients WHERE message_id IN ("
                    + marks + ") ORDER BY message_id, position")) {
                for (int i = 0; i < rows.size(); i++) ps.setString(i + 1, rows.get(i)[0]);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) recipients.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new MessageHit.Recipient(rs.getString(2), RecipientState.valueOf(rs.getString(3)), rs.getInt(4)));
                }
            }
            List<MessageHit> out = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                String[] r = rows.get(i);
                out.add(new MessageHit(r[0], r[1], r[2], r[3] == null ? "" : r[3], r[4], created.get(i),
                        List.copyOf(recipients.getOrDefault(r[0], List.of()))));
            }
            return out;
        });
    }

    static final String ATTEMPT_COLUMNS = """
            a.id, a.attempt_no, a.started_at, a.duration_ms, a.mx_host, a.mx_ip, a.phase, a.smtp_code, a.enhanced_code,
                a.reply_lines, a.local_reply, a.outcome, a.reason, a.rule_id, a.decision, a.decision_reason, a.decision_rule,
                a.next_attempt_at, a.raw_reason, a.tls_rule, a.tls_verdict, a.tls_mode, a.tls_policy_id, a.tls, a.tls_detail
            """;

    /** One attempt row whose {@link #ATTEMPT_COLUMNS} start at column {@code from}. */
    static MessageView.AttemptView attempt(ResultSet rs, int from) throws SQLException {
        int i = from;
        return new MessageView.AttemptView(rs.getString(i), rs.getInt(i + 1), Rows.requiredInstant(rs, i + 2), rs.getLong(i + 3),
                rs.getString(i + 4), rs.getString(i + 5), rs.getString(i + 6), rs.getInt(i + 7), rs.getString(i + 8),
                List.of(rs.getString(i + 9).split("\n", -1)), rs.getInt(i + 10) != 0, rs.getString(i + 11), rs.getString(i + 12),
                rs.getString(i + 13), rs.getString(i + 14), rs.getString(i + 15), rs.getString(i + 16), Rows.instant(rs, i + 17),
                rs.getString(i + 18), tlsDecision(rs, i + 19));
    }

    /** The stored TLS decision in columns {@code from..from+5}, empty when none was recorded (rule ''). */
    private static Optional<TlsDecision> tlsDecision(ResultSet rs, int from) throws SQLException {
        String rule = rs.getString(from);
        if (rule == null || rule.isEmpty()) return Optional.empty();
        return Optional.of(new TlsDecision(TlsDecision.Verdict.valueOf(rs.getString(from + 1)), rule, rs.getString(from + 5),
                TlsMode.parse(rs.getString(from + 2)), rs.getString(from + 3), rs.getString(from + 4)));
    }

    /** The attempt {@code id} with its message, recipient and address (a suppression's cause), read on {@code c}. */
    static Optional<SuppressionCause> attemptCause(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT a.message_id, a.recipient_id, r.address, " + ATTEMPT_COLUMNS
                + " FROM attempts a JOIN recipients r ON r.id = a.recipient_id WHERE a.id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new SuppressionCause.AttemptCause(id, rs.getString(1), rs.getString(2), rs.getString(3), attempt(rs, 4)));
            }
        }
    }

    List<MessageView.AttemptView> attempts(String recipientId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ATTEMPT_COLUMNS
                    + " FROM attempts a WHERE a.recipient_id = ? ORDER BY a.attempt_no, a.started_at")) {
                ps.setString(1, recipientId);
                List<MessageView.AttemptView> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(attempt(rs, 1));
                }
                return out;
            }
        });
    }

    /** Recipients per state from the counters the V52 triggers keep (no scan). */
    private static Map<RecipientState, Long> counts(Connection c) throws SQLException {
        Map<RecipientState, Long> byState = new EnumMap<>(RecipientState.class);
        for (RecipientState st : RecipientState.values()) byState.put(st, 0L);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT state, SUM(n) FROM queue_counts GROUP BY state")) {
            while (rs.next()) byState.put(RecipientState.valueOf(rs.getString(1)), rs.getLong(2));
        }
        return byState;
    }

    /** Depth from the counters, the earliest due time from the due index, leases from the leased rows' index. */
    QueueStats queueStats() {
        return db.read(c -> {
            Map<RecipientState, Long> byState = counts(c);
            long depth = byState.get(RecipientState.QUEUED) + byState.get(RecipientState.DEFERRED);
            Optional<Instant> oldest;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                    SELECT next_attempt_at FROM recipients WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1
                    """)) {
                oldest = rs.next() ? Optional.of(Rows.requiredInstant(rs, 1)) : Optional.empty();
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM recipients WHERE lease_owner IS NOT NULL")) {
                rs.next();
                return new QueueStats(depth, oldest, rs.getLong(1));
            }
        });
    }

    QueueBreakdown queueBreakdown() {
        return db.read(c -> {
            Map<RecipientState, Long> byState = counts(c);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                    SELECT queued_at FROM recipients WHERE next_attempt_at IS NOT NULL AND queued_at IS NOT NULL ORDER BY queued_at LIMIT 1
                    """)) {
                return new QueueBreakdown(byState, rs.next() ? Optional.of(Rows.requiredInstant(rs, 1)) : Optional.empty());
            }
        });
    }

    /** The earliest bound of {@code queue_domains}: when a claim may next find work (its index, no scan). */
    Optional<Instant> nextDueAt() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT next_due_at FROM queue_domains WHERE next_due_at IS NOT NULL ORDER BY next_due_at LIMIT 1
                    """); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.requiredInstant(rs, 1)) : Optional.<Instant>empty();
            }
        });
    }
}
