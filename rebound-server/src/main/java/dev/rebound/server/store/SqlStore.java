package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@link Store} over the table groups ({@link MessageTables}, {@link SuppressionTables}, {@link EvidenceTables},
 * {@link TokenTables}, {@link WebhookStore}, with {@link Outbox} written inside their transactions): one set of SQL
 * for both databases, the few differences in {@link Dialect}. A subclass is the {@link Database} they run on:
 * {@link SqliteStore} (one file, WAL) or {@link PostgresStore} (a shared server, several nodes). Both acknowledge a
 * write only after its commit ({@link GroupCommitWriter}). {@link #open} picks one by the URL.
 */
public abstract sealed class SqlStore implements Store, Database permits SqliteStore, PostgresStore {
    private final Clock clock;
    private final Dialect dialect;
    private final WebhookStore webhooks;

    SqlStore(Clock clock, Dialect dialect) {
        this.clock = clock;
        this.dialect = dialect;
        this.webhooks = new WebhookStore(this);
    }

    /**
     * Opens the store named by {@code url}: {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://host[:port]/db}
     * (with {@code user} and {@code password}, empty for none or when the URL carries them).
     *
     * @param readConnections the read pool's size (beside the one write connection)
     */
    public static SqlStore open(String url, String user, String password, int readConnections, Clock clock) {
        if (url.startsWith("jdbc:sqlite:")) return SqliteStore.open(url, readConnections, clock);
        if (url.startsWith("jdbc:postgresql:")) return PostgresStore.connect(url, user, password, readConnections, clock);
        throw new IllegalArgumentException("store.url must start with jdbc:sqlite: or jdbc:postgresql:, got "
                + url.substring(0, Math.min(url.length(), 20)));
    }

    @Override
    public final Clock clock() {
        return clock;
    }

    @Override
    public final Dialect dialect() {
        return dialect;
    }

    @Override
    public final WebhookStore webhooks() {
        return webhooks;
    }

    // ---- the table groups ---------------------------------------------------------------------------------

    private final MessageTables messages = new MessageTables(this);
    private final SuppressionTables suppressions = new SuppressionTables(this);
    private final EvidenceTables evidence = new EvidenceTables(this);
    private final TokenTables tokens = new TokenTables(this);
    private final TimelineTables timelines = new TimelineTables(this);
    private final NodeTables nodes = new NodeTables(this);

    @Override
    public final Optional<NodeInfo> heartbeat(NodeInfo node) {
        return nodes.heartbeat(node);
    }

    @Override
    public final void nodeStopped(String id, String instance, Instant at) {
        nodes.stopped(id, instance, at);
    }

    @Override
    public final List<NodeInfo> nodes() {
        return nodes.nodes();
    }

    private final ReplayTables replays = new ReplayTables(this);
    private final OutcomeTables outcomes = new OutcomeTables(this);

    @Override
    public final List<ScopedCounts> outcomeTotals(Instant from, Instant to, ScopedCounts.By by) {
        return outcomes.totals(from, to, by);
    }

    @Override
    public final List<MinuteCounts> outcomeMinutes(Instant from, Instant to) {
        return outcomes.minutes(from, to);
    }

    @Override
    public final List<WaitingState> waitingByState() {
        return outcomes.waiting();
    }

    @Override
    public final List<Alert> alerts(boolean openOnly, int limit) {
        return outcomes.alerts(openOnly, limit);
    }

    @Override
    public final Optional<Alert> alert(String id) {
        return outcomes.alert(id);
    }

    @Override
    public final Optional<String> openAlert(Alert alert, Optional<Pause> pause) {
        return outcomes.open(alert, pause);
    }

    @Override
    public final boolean escalateAlert(String id, String level, String ruleId, String figures, Instant at) {
        return outcomes.escalate(id, level, ruleId, figures, at);
    }

    @Override
    public final void touchAlert(String id, String lastFigures, Instant at) {
        outcomes.touch(id, lastFigures, at);
    }

    @Override
    public final boolean resolveAlert(String id, String rule, String lastFigures, Instant at) {
        return outcomes.resolve(id, rule, lastFigures, at);
    }

    @Override
    public final boolean pause(Pause pause) {
        return outcomes.pause(pause);
    }

    @Override
    public final Optional<Pause> resume(String scopeKind, String scope) {
        return outcomes.resume(scopeKind, scope);
    }

    @Override
    public final List<Pause> pauses() {
        return outcomes.pauses();
    }

    @Override
    public final long replayPairCount(Instant since, Instant until) {
        return replays.pairCount(since, until);
    }

    @Override
    public final List<ReplayPair> replayPairs(Instant since, Instant until, Optional<ReplayPair> after, int limit) {
        return replays.pairs(since, until, after, limit);
    }

    @Override
    public final ReplayInput replayInput(List<ReplayPair> pairs, Instant until, Instant countsFrom) {
        return replays.input(pairs, until, countsFrom);
    }

    @Override
    public final List<Boolean> applyReplay(List<ReplayChange> changes, String actor, String note, Duration releaseWindow) {
        return replays.apply(changes, actor, note, releaseWindow);
    }

    @Override
    public final Timeline timeline(String address, Optional<String> stream, Optional<Timeline.Cursor> after, int limit) {
        return timelines.timeline(address, stream, after, limit);
    }

    @Override
    public final AcceptResult accept(NewMessage m) {
        return messages.accept(m);
    }

    @Override
    public final List<AcceptResult> acceptAll(List<NewMessage> ms) {
        return messages.acceptAll(ms);
    }

    @Override
    public final List<Claim> claimDue(String owner, int limit, Duration lease, int perDomain) {
        return messages.claimDue(owner, limit, lease, perDomain);
    }

    @Override
    public final Fenced recordAttempts(List<AttemptRecord> attempts, SuppressionDecider decider) {
        return messages.recordAttempts(attempts, decider);
    }

    @Override
    public final Fenced postpone(List<Claim> claims, Instant at) {
        return messages.postpone(claims, at);
    }

    @Override
    public final Fenced renewLeases(List<Claim> claims, Duration lease) {
        return messages.renewLeases(claims, lease);
    }

    @Override
    public final int releaseLeases(String owner) {
        return messages.releaseLeases(owner);
    }

    @Override
    public final List<MessageHit> messages(MessageQuery query) {
        return messages.search(query);
    }

    @Override
    public final Optional<MessageView> message(String id) {
        return messages.message(id);
    }

    @Override
    public final Optional<MessageContent> content(String messageId) {
        return messages.content(messageId);
    }

    @Override
    public final List<MessageView.AttemptView> attempts(String recipientId) {
        return messages.attempts(recipientId);
    }

    @Override
    public final QueueStats queueStats() {
        return messages.queueStats();
    }

    @Override
    public final QueueBreakdown queueBreakdown() {
        return messages.queueBreakdown();
    }

    @Override
    public final Optional<Instant> nextDueAt() {
        return messages.nextDueAt();
    }

    @Override
    public final void suppress(Suppression s) {
        suppressions.suppress(s);
    }

    @Override
    public final Optional<Suppression> suppression(String address, String stream) {
        return suppressions.suppression(address, stream);
    }

    @Override
    public final List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit) {
        return suppressions.suppressions(stream, address, state, limit);
    }

    @Override
    public final List<Suppression> suppressionsOfMessage(String messageId) {
        return suppressions.ofMessage(messageId);
    }

    @Override
    public final List<SuppressionAudit> suppressionAudit(String address, String stream) {
        return suppressions.audit(address, stream);
    }

    @Override
    public final SuppressionQuery.Page suppressionPage(SuppressionQuery query) {
        return suppressions.page(query);
    }

    @Override
    public final List<SuppressionCause> suppressionCauses(List<String> refs) {
        return suppressions.causes(refs);
    }

    @Override
    public final SuppressionChange addSuppression(Suppression entry, String actor) {
        return suppressions.add(entry, actor);
    }

    @Override
    public final SuppressionChange removeSuppression(String address, String stream, String actor, String note, boolean force, Duration releaseWindow) {
        return suppressions.remove(address, stream, actor, note, force, false, releaseWindow);
    }

    @Override
    public final SuppressionChange reviewSuppression(String address, String stream, boolean approve, String actor, String note,
                                               Optional<Instant> expiresAt, Duration releaseWindow) {
        return approve ? suppressions.approve(address, stream, actor, note, expiresAt)
                : suppressions.remove(address, stream, actor, note, true, true, releaseWindow);
    }

    @Override
    public final boolean[] importSuppressions(List<Suppression> chunk, String actor, boolean events) {
        return suppressions.importChunk(chunk, actor, events);
    }

    @Override
    public final DomainOutcomes domainOutcomes(String domain, Instant since) {
        return suppressions.domainOutcomes(domain, since);
    }

    @Override
    public final Promotions sweepProvisional(SuppressionDecider decider, Instant now) {
        return suppressions.sweepProvisional(decider, now);
    }

    @Override
    public final List<FinalOutcome> finalOutcomes(String address, String stream) {
        return evidence.finalOutcomes(address, stream);
    }

    @Override
    public final List<StoredEvidence> recordEvidence(List<NewEvidence> items, String defaultStream, EvidenceDecision.Decider decider) {
        return evidence.record(items, defaultStream, decider, null);
    }

    @Override
    public final List<StoredEvidence> recordEvidence(List<NewEvidence> items, String defaultStream, EvidenceDecision.Decider decider,
                                                     BounceMail mail) {
        return evidence.record(items, defaultStream, decider, mail);
    }

    @Override
    public final List<EvidenceView> evidenceOfMessage(String messageId) {
        return evidence.ofMessage(messageId);
    }

    @Override
    public final List<EvidenceView> evidenceOfAddress(String address, int limit) {
        return evidence.ofAddress(address, limit);
    }

    @Override
    public final List<EvidenceView> evidenceOfEvent(String providerEvent, int limit) {
        return evidence.ofEvent(providerEvent, limit);
    }

    @Override
    public final boolean firstTokenUse(String provider, String token, Instant keepUntil) {
        return tokens.firstUse(provider, token, keepUntil);
    }

    // ---- API keys (V12_1__api_keys.sql) -------------------------------------------------------------------

    private static final String API_KEY_COLUMNS = "id, name, secret_sha256, scopes, rate_per_second, burst, created_at, revoked_at";

    @Override
    public void createApiKey(ApiKeyRecord k) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (" + API_KEY_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?)")) {
                ps.setString(1, k.id());
                ps.setString(2, k.name());
                ps.setString(3, k.secretSha256());
                ps.setString(4, k.scopes());
                ps.setDouble(5, k.ratePerSecond());
                ps.setInt(6, k.burst());
                ps.setLong(7, k.createdAt().toEpochMilli());
                if (k.revokedAt().isPresent()) ps.setLong(8, k.revokedAt().get().toEpochMilli());
                else ps.setNull(8, Types.BIGINT);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<ApiKeyRecord> apiKey(String id) {
        return read(c -> apiKey(c, id));
    }

    private static Optional<ApiKeyRecord> apiKey(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + API_KEY_COLUMNS + " FROM api_keys WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(apiKeyRow(rs)) : Optional.empty();
            }
        }
    }

    private static ApiKeyRecord apiKeyRow(ResultSet rs) throws SQLException {
        long revoked = rs.getLong(8);
        Optional<Instant> revokedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
        return new ApiKeyRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getDouble(5), rs.getInt(6),
                Instant.ofEpochMilli(rs.getLong(7)), revokedAt);
    }

    @Override
    public List<ApiKeyRecord> apiKeys() {
        return read(c -> {
            List<ApiKeyRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + API_KEY_COLUMNS + " FROM api_keys ORDER BY created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(apiKeyRow(rs));
            }
            return out;
        });
    }

    @Override
    public Optional<ApiKeyRecord> revokeApiKey(String id, Instant at) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
                ps.setLong(1, at.toEpochMilli());
                ps.setString(2, id);
                ps.executeUpdate();
            }
            return apiKey(c, id);
        });
    }

    @Override
    public boolean apiKeysExist() {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM api_keys LIMIT 1"); ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

}
