package dev.rebound.server.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import dev.rebound.core.tls.TlsDecision;
import dev.rebound.core.tls.TlsMode;
import org.flywaydb.core.Flyway;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit is on disk (WAL
 * fsynced) before any caller is acknowledged. All writes go through one {@link GroupCommitWriter}; reads use a
 * small pool of read-only connections, which WAL lets run beside the writer.
 */
public final class SqliteStore implements Store {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Clock clock;
    private final Path file;
    private final GroupCommitWriter writer;
    private final BlockingQueue<Connection> readers;
    private final WebhookStore webhooks;

    /** How often the writer probes while the store is not writable (see {@link GroupCommitWriter}). */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** The probe must grow the file by this many pages (beyond the free pages) to commit. */
    static final int PROBE_PAGES = 16;

    private final String jdbc;
    private final WriteSettings settings;

    /** Per-connection settings of the write connection, applied again when the writer opens a new one. */
    static final class WriteSettings {
        /** SQLite's {@code max_page_count} for the write connection; 0 = SQLite's default (fault tests lower it). */
        volatile long maxPageCount;
    }

    private SqliteStore(Clock clock, Path file, String jdbc, WriteSettings settings, GroupCommitWriter writer, BlockingQueue<Connection> readers) {
        this.clock = clock;
        this.file = file;
        this.jdbc = jdbc;
        this.settings = settings;
        this.writer = writer;
        this.readers = readers;
        this.webhooks = new WebhookStore(this, writer, clock);
    }

    /** Opens (creating and migrating as needed) the SQLite database named by a {@code jdbc:sqlite:} URL. */
    public static SqliteStore open(String url, int readConnections, Clock clock) {
        if (!url.startsWith("jdbc:sqlite:")) throw new IllegalArgumentException("not a jdbc:sqlite: URL: " + url);
        Path file = Path.of(url.substring("jdbc:sqlite:".length())).toAbsolutePath().normalize();
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            String jdbc = "jdbc:sqlite:" + file;
            Flyway.configure().dataSource(jdbc, null, null).placeholders(Map.of("binary", "BLOB"))
                    .locations("classpath:db/migration").load().migrate();
            WriteSettings settings = new WriteSettings();
            GroupCommitWriter writer = new GroupCommitWriter(() -> StatementCache.wrap(connectWriter(jdbc, settings)), 512,
                    "rebound-store-writer", c -> probe(c, clock), PROBE_INTERVAL, clock);
            BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(readConnections);
            for (int i = 0; i < readConnections; i++) readers.add(StatementCache.wrap(connect(jdbc)));
            return new SqliteStore(clock, file, jdbc, settings, writer, readers);
        } catch (Exception e) {
            throw new StoreException("cannot open the SQLite store at " + file + ": " + e.getMessage()
                    + " (check that the directory is writable, or set store.url)", e);
        }
    }

    private static Connection connect(String jdbc) throws SQLException {
        Connection c = DriverManager.getConnection(jdbc);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL"); // durability before acknowledgement: fsync the WAL at commit
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA foreign_keys=ON");
        }
        return c;
    }

    private static Connection connectWriter(String jdbc, WriteSettings settings) throws SQLException {
        Connection c = connect(jdbc);
        long max = settings.maxPageCount;
        if (max > 0) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA max_page_count = " + max);
            }
        }
        return c;
    }

    /**
     * The writer's probe while the store is not writable: one row with a zero-filled blob larger than the free
     * pages, deleted again in the same transaction ({@code store_probe}, migration V12). Its commit needs the file
     * to grow by {@link #PROBE_PAGES} pages, so it succeeds only when there is room again.
     */
    private static Object probe(Connection c, Clock clock) throws SQLException {
        long free;
        long pageSize;
        try (PreparedStatement ps = c.prepareStatement("PRAGMA freelist_count"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            free = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement("PRAGMA page_size"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            pageSize = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO store_probe (id, written_at, filler) VALUES (1, ?, zeroblob(?))")) {
            ps.setLong(1, clock.millis());
            ps.setLong(2, (free + PROBE_PAGES) * pageSize);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM store_probe")) {
            ps.executeUpdate();
        }
        return null;
    }

    /**
     * Sets SQLite's page limit on the write connection (and on any it opens later): a fault-injection seam for
     * the {@code faults} tests, which fill the store without a full disk. Returns the limit SQLite applied.
     */
    long maxPageCount(long pages) {
        settings.maxPageCount = pages;
        return writer.write(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA max_page_count = " + pages)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public StoreHealth health() {
        return writer.health();
    }

    @Override
    public WebhookStore webhooks() {
        return webhooks;
    }

    @Override
    public String location() {
        return file.toString();
    }

    /** The writer, for tests in this package that need to hold a group open. */
    GroupCommitWriter writer() {
        return writer;
    }

    @Override
    public WriteStats writeStats() {
        return writer.stats();
    }

    // ---- writes -------------------------------------------------------------------------------------------

    @Override
    public AcceptResult accept(NewMessage m) {
        // the id and the event payload are prepared on the caller's thread: the single writer thread only writes
        String id = newId();
        String acceptedPayload = json(JSON.createObjectNode().put("message_id", id).put("stream", m.stream())
                .put("recipients", m.recipients().size()));
        return writer.write(c -> {
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
            long now = clock.millis();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages (id, stream, mail_from, header_message_id, raw, size_bytes, source, idempotency_key, request_hash, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
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
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO recipients (id, message_id, position, address, domain, state, initial_state, next_attempt_at, attempt_count, last_outcome, last_reason, last_rule, updated_at) VALUES (?,?,?,?,?,?,?,?,0,?,?,?,?)")) {
                int pos = 0;
                for (String address : m.recipients()) {
                    Optional<Suppression> sup = suppression(c, address, m.stream(), now);
                    RecipientState state = sup.isPresent() ? RecipientState.SUPPRESSED : RecipientState.QUEUED;
                    String rid = newId();
                    ps.setString(1, rid);
                    ps.setString(2, id);
                    ps.setInt(3, pos++);
                    ps.setString(4, address);
                    ps.setString(5, domainOf(address));
                    ps.setString(6, state.name());
                    ps.setString(7, state.name());
                    if (sup.isPresent()) ps.setNull(8, Types.BIGINT);
                    else ps.setLong(8, now);
                    ps.setString(9, sup.map(s -> "SUPPRESSED").orElse(null));
                    ps.setString(10, sup.map(Suppression::reason).orElse(null));
                    ps.setString(11, sup.map(s -> "suppression." + s.ruleId()).orElse(null));
                    ps.setLong(12, now);
                    ps.addBatch();
                    receipts.add(new AcceptResult.RecipientReceipt(rid, address, state));
                    if (sup.isPresent()) suppressedAtIntake.add(new String[] {rid, address});
                    if (sup.isPresent()) suppressedEntries.add(sup.get());
                }
                ps.executeBatch();
            }
            event(c, now, "message.accepted", id, null, acceptedPayload);
            for (int k = 0; k < suppressedAtIntake.size(); k++) {
                String[] r = suppressedAtIntake.get(k);
                Suppression sup = suppressedEntries.get(k);
                ObjectNode p = JSON.createObjectNode().put("message_id", id).put("recipient_id", r[0]).put("source", "intake")
                        .put("state", RecipientState.SUPPRESSED.name()).put("outcome", RecipientState.SUPPRESSED.name())
                        .put("reason", sup.reason()).put("rule_id", "suppression." + sup.ruleId()).put("recipient_domain", domainOf(r[1]))
                        .put("decision", RecipientState.SUPPRESSED.name()).put("decision_rule", "suppression." + sup.ruleId())
                        .put("occurred_at", Instant.ofEpochMilli(now).toString());
                p.set("suppression", suppressionJson(sup));
                event(c, now, "recipient.suppressed", id, r[0], p);
            }
            return new AcceptResult.Created(new AcceptResult.Receipt(id, List.copyOf(receipts)));
        });
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

    @Override
    public List<Claim> claimDue(String owner, int limit, Duration lease) {
        return writer.write(c -> {
            long now = clock.millis();
            List<Claim> claims = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT r.id, r.message_id, r.address, r.domain, r.attempt_count, m.created_at FROM recipients r JOIN messages m ON m.id = r.message_id WHERE r.next_attempt_at IS NOT NULL AND r.next_attempt_at <= ? AND (r.lease_owner IS NULL OR r.lease_expires_at <= ?) ORDER BY r.next_attempt_at LIMIT ?")) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) claims.add(new Claim(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), Instant.ofEpochMilli(rs.getLong(6))));
                }
            }
            if (claims.isEmpty()) return claims;
            try (PreparedStatement ps = c.prepareStatement("UPDATE recipients SET lease_owner = ?, lease_expires_at = ? WHERE id = ?")) {
                for (Claim cl : claims) {
                    ps.setString(1, owner);
                    ps.setLong(2, now + lease.toMillis());
                    ps.setString(3, cl.recipientId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return claims;
        });
    }

    @Override
    public void recordAttempts(List<AttemptRecord> attempts, SuppressionDecider suppressions) {
        if (attempts.isEmpty()) return;
        // ids and event payloads are prepared on the caller's thread: the single writer thread only writes
        String[] attemptIds = new String[attempts.size()];
        String[] payloads = new String[attempts.size()];
        ObjectNode[] payloadNodes = new ObjectNode[attempts.size()];
        for (int k = 0; k < attempts.size(); k++) {
            AttemptRecord a = attempts.get(k);
            attemptIds[k] = newId();
            ObjectNode p = JSON.createObjectNode().put("message_id", a.messageId()).put("recipient_id", a.recipientId())
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
            payloads[k] = json(p);
        }
        writer.write(c -> {
            long now = clock.millis();
            for (int k = 0; k < attempts.size(); k++) {
                AttemptRecord a = attempts.get(k);
                String attemptId = attemptIds[k];
                // The suppression decision reads the history it is written against in this transaction (before this
                // attempt's own rows, which it is given as the latest final outcome).
                Optional<Suppression> suppression = Optional.empty();
                if (a.finalFailure()) {
                    List<FinalOutcome> finals = new ArrayList<>(EvidenceSql.finalOutcomes(c, a.address(), a.stream()));
                    finals.add(a.asFinal());
                    suppression = suppressions.decide(a.address(), a.stream(), finals,
                            domainOutcomes(c, a.domain(), a.decidedAt().minus(suppressions.breakerWindow())), a.decidedAt());
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO attempts (id, recipient_id, message_id, attempt_no, started_at, duration_ms, recipient_domain, mx_host, mx_ip, phase, smtp_code, enhanced_code, reply_lines, local_reply, outcome, reason, rule_id, decision, decision_reason, decision_rule, next_attempt_at, provider_event, raw_reason, tls_rule, tls_verdict, tls_mode, tls_policy_id, tls, tls_detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?,?)")) {
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
                    if (a.nextAttemptAt().isPresent()) ps.setLong(i++, a.nextAttemptAt().get().toEpochMilli());
                    else ps.setNull(i++, Types.BIGINT);
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
                try (PreparedStatement ps = c.prepareStatement("UPDATE recipients SET state = ?, next_attempt_at = ?, attempt_count = ?, last_outcome = ?, last_reason = ?, last_rule = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?")) {
                    ps.setString(1, a.newState().name());
                    if (a.nextAttemptAt().isPresent()) ps.setLong(2, a.nextAttemptAt().get().toEpochMilli());
                    else ps.setNull(2, Types.BIGINT);
                    ps.setInt(3, a.attemptNo());
                    ps.setString(4, a.classification().outcome().name());
                    ps.setString(5, a.decisionReason());
                    ps.setString(6, a.decision().ruleId());
                    ps.setLong(7, now);
                    ps.setString(8, a.recipientId());
                    ps.executeUpdate();
                }
                String payload = payloads[k];
                if (suppression.isPresent()) { // decided here, so the event gets the entry here
                    payloadNodes[k].set("suppression", suppressionJson(suppression.get().withEvidenceRef(attemptId)));
                    payload = json(payloadNodes[k]);
                }
                event(c, now, "recipient." + a.newState().name().toLowerCase(Locale.ROOT), a.messageId(), a.recipientId(), payload);
                if (suppression.isPresent()) upsertSuppression(c, suppression.get().withEvidenceRef(attemptId));
            }
            countFinals(c, attempts);
            return null;
        });
    }

    @Override
    public void postpone(List<String> recipientIds, Instant at) {
        if (recipientIds.isEmpty()) return;
        writer.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE recipients SET next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?")) {
                for (String id : recipientIds) {
                    ps.setLong(1, at.toEpochMilli());
                    ps.setLong(2, clock.millis());
                    ps.setString(3, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public int releaseLeases(String owner) {
        return writer.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE recipients SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?")) {
                ps.setString(1, owner);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void suppress(Suppression s) {
        writer.write(c -> {
            upsertSuppression(c, s);
            return null;
        });
    }

    /**
     * Adds or replaces the entry and writes its audit row (actor {@code policy}, note = the rule). A REVIEW does
     * not replace an active SUPPRESSED entry: the stronger decision stands.
     */
    static void upsertSuppression(Connection c, Suppression s) throws SQLException {
        String address = s.address().toLowerCase(Locale.ROOT);
        long now = s.createdAt().toEpochMilli();
        String action = "created";
        try (PreparedStatement ps = c.prepareStatement("SELECT state, expires_at FROM suppressions WHERE address = ? AND stream = ?")) {
            ps.setString(1, address);
            ps.setString(2, s.stream());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long exp = rs.getLong(2);
                    boolean active = rs.wasNull() || exp > now;
                    if (active && s.state() == SuppressionState.REVIEW && SuppressionState.SUPPRESSED.name().equals(rs.getString(1))) return;
                    action = "updated";
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO suppressions (address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (address, stream) DO UPDATE SET reason = excluded.reason, rule_id = excluded.rule_id, created_at = excluded.created_at, expires_at = excluded.expires_at, evidence_ref = excluded.evidence_ref, state = excluded.state")) {
            ps.setString(1, address);
            ps.setString(2, s.stream());
            ps.setString(3, s.reason());
            ps.setString(4, s.ruleId());
            ps.setLong(5, now);
            if (s.expiresAt().isPresent()) ps.setLong(6, s.expiresAt().get().toEpochMilli());
            else ps.setNull(6, Types.BIGINT);
            ps.setString(7, s.evidenceRef());
            ps.setString(8, s.state().name());
            ps.executeUpdate();
        }
        audit(c, now, new Suppression(address, s.stream(), s.reason(), s.ruleId(), s.createdAt(), s.expiresAt(), s.evidenceRef(), s.state()),
                action, "policy", s.ruleId());
    }

    private static void audit(Connection c, long at, Suppression s, String action, String actor, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO suppression_audit (id, at, address, stream, action, state, reason, rule_id, expires_at, evidence_ref, actor, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, newId());
            ps.setLong(2, at);
            ps.setString(3, s.address());
            ps.setString(4, s.stream());
            ps.setString(5, action);
            ps.setString(6, s.state().name());
            ps.setString(7, s.reason());
            ps.setString(8, s.ruleId());
            if (s.expiresAt().isPresent()) ps.setLong(9, s.expiresAt().get().toEpochMilli());
            else ps.setNull(9, Types.BIGINT);
            ps.setString(10, s.evidenceRef());
            ps.setString(11, actor);
            ps.setString(12, note);
            ps.executeUpdate();
        }
    }

    /** Counts final outcomes per recipient domain and minute (see {@link #domainOutcomes}). */
    private static void countFinals(Connection c, List<AttemptRecord> attempts) throws SQLException {
        Map<String, int[]> counts = new java.util.LinkedHashMap<>();
        for (AttemptRecord a : attempts) {
            if (!a.newState().isFinal()) continue;
            long minute = Math.floorDiv(a.startedAt().toEpochMilli(), 60_000L) * 60_000L;
            int[] n = counts.computeIfAbsent(a.domain().toLowerCase(Locale.ROOT) + "\u0000" + minute, k -> new int[2]);
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

    private static final String ADD_DOMAIN_OUTCOMES = "INSERT INTO domain_outcomes (domain, minute, finals, failures) VALUES (?,?,?,?) ON CONFLICT (domain, minute) DO UPDATE SET finals = domain_outcomes.finals + excluded.finals, failures = domain_outcomes.failures + excluded.failures";

    /** Adds to the circuit breaker's counts of {@code domain} in the minute of {@code atMillis} (inside the caller's transaction). */
    static void addDomainOutcomes(Connection c, String domain, long atMillis, int finals, int failures) throws SQLException {
        if (domain.isEmpty() || (finals == 0 && failures == 0)) return;
        try (PreparedStatement ps = c.prepareStatement(ADD_DOMAIN_OUTCOMES)) {
            ps.setString(1, domain.toLowerCase(Locale.ROOT));
            ps.setLong(2, Math.floorDiv(atMillis, 60_000L) * 60_000L);
            ps.setInt(3, finals);
            ps.setInt(4, failures);
            ps.executeUpdate();
        }
    }

    @Override
    public List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit) {
        return read(c -> {
            StringBuilder sql = new StringBuilder("SELECT address, stream, reason, rule_id, created_at, expires_at, evidence_ref, state FROM suppressions WHERE (expires_at IS NULL OR expires_at > ?)");
            List<String> args = new ArrayList<>();
            if (stream.isPresent()) { sql.append(" AND stream = ?"); args.add(stream.get()); }
            if (address.isPresent()) { sql.append(" AND address = ?"); args.add(address.get().toLowerCase(Locale.ROOT)); }
            if (state.isPresent()) { sql.append(" AND state = ?"); args.add(state.get().name()); }
            sql.append(" ORDER BY created_at DESC, address, stream LIMIT ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, clock.millis());
                for (String a : args) ps.setString(i++, a);
                ps.setInt(i, limit);
                List<Suppression> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long exp = rs.getLong(6);
                        Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(exp));
                        out.add(new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Instant.ofEpochMilli(rs.getLong(5)), expires, rs.getString(7), SuppressionState.valueOf(rs.getString(8))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<Suppression> suppressionsOfMessage(String messageId) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT s.address, s.stream, s.reason, s.rule_id, s.created_at, s.expires_at, s.evidence_ref, s.state
                    FROM recipients r
                    JOIN messages m ON m.id = r.message_id
                    JOIN suppressions s ON s.address = LOWER(r.address) AND s.stream = m.stream
                    WHERE r.message_id = ? AND (s.expires_at IS NULL OR s.expires_at > ?)
                    """)) {
                ps.setString(1, messageId);
                ps.setLong(2, clock.millis());
                List<Suppression> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long exp = rs.getLong(6);
                        Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(exp));
                        out.add(new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Instant.ofEpochMilli(rs.getLong(5)), expires, rs.getString(7), SuppressionState.valueOf(rs.getString(8))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<SuppressionAudit> suppressionAudit(String address, String stream) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, at, action, state, reason, rule_id, expires_at, evidence_ref, actor, note FROM suppression_audit WHERE address = ? AND stream = ? ORDER BY at, id")) {
                ps.setString(1, address.toLowerCase(Locale.ROOT));
                ps.setString(2, stream);
                List<SuppressionAudit> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long exp = rs.getLong(7);
                        Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(exp));
                        out.add(new SuppressionAudit(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), address.toLowerCase(Locale.ROOT), stream,
                                rs.getString(3), SuppressionState.valueOf(rs.getString(4)), rs.getString(5), rs.getString(6), expires,
                                rs.getString(8) == null ? "" : rs.getString(8), rs.getString(9), rs.getString(10)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Optional<Suppression> removeSuppression(String address, String stream, String actor, String note) {
        String a = address.toLowerCase(Locale.ROOT);
        return writer.write(c -> {
            Optional<Suppression> found = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement("SELECT reason, rule_id, created_at, expires_at, evidence_ref, state FROM suppressions WHERE address = ? AND stream = ?")) {
                ps.setString(1, a);
                ps.setString(2, stream);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        long exp = rs.getLong(4);
                        Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(exp));
                        found = Optional.of(new Suppression(a, stream, rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                                expires, rs.getString(5), SuppressionState.valueOf(rs.getString(6))));
                    }
                }
            }
            if (found.isEmpty()) return found;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE address = ? AND stream = ?")) {
                ps.setString(1, a);
                ps.setString(2, stream);
                ps.executeUpdate();
            }
            long now = clock.millis();
            audit(c, now, found.get(), "removed", actor, note);
            ObjectNode payload = JSON.createObjectNode().put("source", "api").put("address", a).put("stream", stream)
                    .put("recipient_domain", domainOf(a)).put("actor", actor).put("note", note);
            payload.set("suppression", suppressionJson(found.get()));
            event(c, now, "suppression.removed", "", null, payload);
            return found;
        });
    }

    @Override
    public DomainOutcomes domainOutcomes(String domain, Instant since) {
        return read(c -> domainOutcomes(c, domain, since));
    }

    /** The circuit breaker's counts of {@code domain} since {@code since}, read on {@code c} (inside the caller's transaction). */
    static DomainOutcomes domainOutcomes(Connection c, String domain, Instant since) throws SQLException {
        String d = domain.toLowerCase(Locale.ROOT);
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(finals), 0), COALESCE(SUM(failures), 0) FROM domain_outcomes WHERE domain = ? AND minute >= ?")) {
            ps.setString(1, d);
            ps.setLong(2, Math.floorDiv(since.toEpochMilli(), 60_000L) * 60_000L);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new DomainOutcomes(d, since, rs.getInt(1), rs.getInt(2));
            }
        }
    }

    /** A suppression list entry as the outbox (and so the outbound webhooks) carry it. */
    static ObjectNode suppressionJson(Suppression s) {
        ObjectNode n = JSON.createObjectNode().put("address", s.address().toLowerCase(Locale.ROOT)).put("stream", s.stream())
                .put("state", s.state().name()).put("reason", s.reason()).put("rule_id", s.ruleId())
                .put("created_at", s.createdAt().toString()).put("evidence_ref", s.evidenceRef());
        if (s.expiresAt().isPresent()) n.put("expires_at", s.expiresAt().get().toString());
        else n.putNull("expires_at");
        return n;
    }

    private static void event(Connection c, long now, String type, String messageId, String recipientId, ObjectNode payload) throws SQLException {
        event(c, now, type, messageId, recipientId, json(payload));
    }

    private static String json(ObjectNode payload) {
        return JSON.writeValueAsString(payload);
    }

    private static void event(Connection c, long now, String type, String messageId, String recipientId, String payloadJson) throws SQLException {
        // seq: commit order for the webhook fan-out's cursor (V13); the single writer makes MAX + 1 unique
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (id, created_at, type, message_id, recipient_id, payload, seq) VALUES (?,?,?,?,?,?,(SELECT COALESCE(MAX(seq), 0) + 1 FROM events))")) {
            ps.setString(1, newId());
            ps.setLong(2, now);
            ps.setString(3, type);
            ps.setString(4, messageId);
            ps.setString(5, recipientId);
            ps.setString(6, payloadJson);
            ps.executeUpdate();
        }
    }

    // ---- reads --------------------------------------------------------------------------------------------

    interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    <T> T read(Read<T> r) {
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
        try {
            return r.run(c);
        } catch (SQLException e) {
            if (GroupCommitWriter.storeFault(e).isEmpty()) throw new StoreException("store read failed: " + e.getMessage(), e);
            c = checkedReader(c, e);
            throw new StoreUnavailableException("store read failed: " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    /** A read connection after a storage error: kept if it still answers outside a transaction, else replaced. */
    private Connection checkedReader(Connection c, SQLException cause) {
        try {
            if (c.getAutoCommit()) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                    if (rs.next()) return c;
                }
            }
        } catch (SQLException unusable) {
            // replaced below
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // replacing it anyway
        }
        try {
            return StatementCache.wrap(connect(jdbc));
        } catch (SQLException e) {
            e.addSuppressed(cause);
            // Keep the pool's size: the closed connection fails the next read, which tries to replace it again.
            return c;
        }
    }

    @Override
    public Optional<Suppression> suppression(String address, String stream) {
        return read(c -> suppression(c, address, stream, clock.millis()));
    }

    private static Optional<Suppression> suppression(Connection c, String address, String stream, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT reason, rule_id, created_at, expires_at, evidence_ref FROM suppressions WHERE address = ? AND stream = ? AND state = 'SUPPRESSED' AND (expires_at IS NULL OR expires_at > ?)")) {
            ps.setString(1, address.toLowerCase(Locale.ROOT));
            ps.setString(2, stream);
            ps.setLong(3, now);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                long exp = rs.getLong(4);
                Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(exp));
                return Optional.of(new Suppression(address, stream, rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), expires, rs.getString(5)));
            }
        }
    }

    @Override
    public Optional<MessageContent> content(String messageId) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT stream, mail_from, raw, created_at FROM messages WHERE id = ?")) {
                ps.setString(1, messageId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new MessageContent(messageId, rs.getString(1), rs.getString(2), rs.getBytes(3), Instant.ofEpochMilli(rs.getLong(4))));
                }
            }
        });
    }

    @Override
    public Optional<MessageView> message(String id) {
        return read(c -> {
            MessageView base;
            try (PreparedStatement ps = c.prepareStatement("SELECT stream, mail_from, header_message_id, size_bytes, source, created_at FROM messages WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    base = new MessageView(id, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), List.of());
                }
            }
            List<MessageView.RecipientView> recipients = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, address, domain, state, next_attempt_at, attempt_count, last_outcome, last_reason, last_rule FROM recipients WHERE message_id = ? ORDER BY position")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long next = rs.getLong(5);
                        Optional<Instant> nextAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next));
                        recipients.add(new MessageView.RecipientView(rs.getString(1), rs.getString(2), rs.getString(3),
                                RecipientState.valueOf(rs.getString(4)), nextAt, rs.getInt(6), nz(rs.getString(7)), nz(rs.getString(8)), nz(rs.getString(9)), List.of()));
                    }
                }
            }
            List<MessageView.RecipientView> full = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(ATTEMPTS_OF_RECIPIENT)) {
                for (MessageView.RecipientView r : recipients) {
                    ps.setString(1, r.id());
                    List<MessageView.AttemptView> attempts = attemptViews(ps);
                    full.add(new MessageView.RecipientView(r.id(), r.address(), r.domain(), r.state(), r.nextAttemptAt(), r.attemptCount(),
                            r.lastOutcome(), r.lastReason(), r.lastRule(), List.copyOf(attempts)));
                }
            }
            return Optional.of(new MessageView(base.id(), base.stream(), base.mailFrom(), base.headerMessageId(), base.sizeBytes(),
                    base.source(), base.createdAt(), List.copyOf(full)));
        });
    }

    private static final String ATTEMPTS_OF_RECIPIENT = "SELECT id, attempt_no, started_at, duration_ms, mx_host, mx_ip, phase, smtp_code, enhanced_code, reply_lines, local_reply, outcome, reason, rule_id, decision, decision_reason, decision_rule, next_attempt_at, raw_reason, tls_rule, tls_verdict, tls_mode, tls_policy_id, tls, tls_detail FROM attempts WHERE recipient_id = ? ORDER BY attempt_no, started_at";

    /** The stored TLS decision in columns {@code from..from+5}, empty when none was recorded (rule ''). */
    private static Optional<TlsDecision> tlsDecision(ResultSet rs, int from) throws SQLException {
        String rule = rs.getString(from);
        if (rule == null || rule.isEmpty()) return Optional.empty();
        return Optional.of(new TlsDecision(TlsDecision.Verdict.valueOf(rs.getString(from + 1)), rule, rs.getString(from + 5),
                TlsMode.parse(rs.getString(from + 2)), rs.getString(from + 3), rs.getString(from + 4)));
    }

    private static List<MessageView.AttemptView> attemptViews(PreparedStatement ps) throws SQLException {
        List<MessageView.AttemptView> attempts = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long next = rs.getLong(18);
                Optional<Instant> nextAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next));
                attempts.add(new MessageView.AttemptView(rs.getString(1), rs.getInt(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getLong(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8), rs.getString(9),
                        List.of(rs.getString(10).split("\n", -1)), rs.getInt(11) != 0, rs.getString(12), rs.getString(13),
                        rs.getString(14), rs.getString(15), rs.getString(16), rs.getString(17), nextAt, rs.getString(19), tlsDecision(rs, 20)));
            }
        }
        return attempts;
    }

    @Override
    public List<MessageView.AttemptView> attempts(String recipientId) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement(ATTEMPTS_OF_RECIPIENT)) {
                ps.setString(1, recipientId);
                return attemptViews(ps);
            }
        });
    }

    @Override
    public List<FinalOutcome> finalOutcomes(String address, String stream) {
        return read(c -> EvidenceSql.finalOutcomes(c, address, stream));
    }

    // ---- asynchronous evidence (V10__evidence.sql) --------------------------------------------------------

    @Override
    public List<StoredEvidence> recordEvidence(List<NewEvidence> evidence, String defaultStream, EvidenceDecision.Decider decider) {
        if (evidence.isEmpty()) return List.of();
        return writer.write(c -> {
            long now = clock.millis();
            return EvidenceSql.record(c, evidence, decider, defaultStream, now, (type, messageId, recipientId, fields, sup) -> {
                ObjectNode payload = JSON.createObjectNode();
                for (int i = 0; i + 1 < fields.length; i += 2) {
                    if (fields[i].equals("smtp_code")) payload.put(fields[i], Integer.parseInt(fields[i + 1]));
                    else payload.put(fields[i], fields[i + 1]);
                }
                sup.ifPresent(s -> payload.set("suppression", suppressionJson(s)));
                event(c, now, type, messageId, recipientId, payload);
            });
        });
    }

    @Override
    public boolean firstTokenUse(String provider, String token, Instant keepUntil) {
        return writer.write(c -> {
            long now = clock.millis();
            try (PreparedStatement del = c.prepareStatement("DELETE FROM webhook_tokens WHERE expires_at < ?")) {
                del.setLong(1, now);
                del.executeUpdate();
            }
            // ON CONFLICT ... DO NOTHING: SQLite >= 3.24 and PostgreSQL >= 9.5; the single writer plus the primary
            // key make the check and the insert one atomic step.
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO webhook_tokens (provider, token, used_at, expires_at) "
                    + "VALUES (?, ?, ?, ?) ON CONFLICT (provider, token) DO NOTHING")) {
                ins.setString(1, provider);
                ins.setString(2, token);
                ins.setLong(3, now);
                ins.setLong(4, keepUntil.toEpochMilli());
                return ins.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<EvidenceView> evidenceOfMessage(String messageId) {
        return read(c -> EvidenceSql.ofMessage(c, messageId));
    }

    @Override
    public List<EvidenceView> evidenceOfAddress(String address, int limit) {
        return read(c -> EvidenceSql.ofAddress(c, address, limit));
    }

    @Override
    public List<EvidenceView> evidenceOfEvent(String providerEvent, int limit) {
        return read(c -> EvidenceSql.ofEvent(c, providerEvent, limit));
    }

    @Override
    public QueueStats queueStats() {
        return read(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*), MIN(next_attempt_at), SUM(CASE WHEN lease_owner IS NOT NULL THEN 1 ELSE 0 END) FROM recipients WHERE next_attempt_at IS NOT NULL")) {
                rs.next();
                long depth = rs.getLong(1);
                long oldest = rs.getLong(2);
                Optional<Instant> oldestAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(oldest));
                return new QueueStats(depth, oldestAt, rs.getLong(3));
            }
        });
    }

    @Override
    public QueueBreakdown queueBreakdown() {
        return read(c -> {
            Map<RecipientState, Long> byState = new java.util.EnumMap<>(RecipientState.class);
            for (RecipientState st : RecipientState.values()) byState.put(st, 0L);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT state, COUNT(*) FROM recipients GROUP BY state")) {
                while (rs.next()) byState.put(RecipientState.valueOf(rs.getString(1)), rs.getLong(2));
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT MIN(m.created_at) FROM recipients r JOIN messages m ON m.id = r.message_id WHERE r.next_attempt_at IS NOT NULL")) {
                rs.next();
                long v = rs.getLong(1);
                return new QueueBreakdown(byState, rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v)));
            }
        });
    }

    @Override
    public Optional<Instant> nextDueAt() {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(next_attempt_at) FROM recipients WHERE next_attempt_at IS NOT NULL AND (lease_owner IS NULL OR lease_expires_at <= ?)")) {
                ps.setLong(1, clock.millis());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long v = rs.getLong(1);
                    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
                }
            }
        });
    }

    @Override
    public void close() {
        writer.close();
        Connection c;
        while ((c = readers.poll()) != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
    }

    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<ByteBuffer> RANDOM_BYTES = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4000).position(4000));

    /**
     * 32 hex digits: 48 bits of wall-clock milliseconds, then 80 random bits (SecureRandom, drawn 4 KB at a time).
     * Time-ordered, so new rows go to the right edge of the primary-key and foreign-key indexes instead of a
     * random page each (fewer pages written per commit); the 80 random bits keep ids unguessable and unique
     * within a millisecond. The clock here only orders ids; no decision reads it.
     */
    static String newId() {
        ByteBuffer b = RANDOM_BYTES.get();
        if (b.remaining() < 10) {
            RANDOM.nextBytes(b.array());
            b.clear();
        }
        long hi = (System.currentTimeMillis() << 16) | (b.getShort() & 0xffff);
        return HEX.toHexDigits(hi) + HEX.toHexDigits(b.getLong());
    }

    private static final HexFormat HEX = HexFormat.of();
}
