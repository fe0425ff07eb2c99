package dev.rebound.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.flywaydb.core.Flyway;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit is on disk (WAL
 * fsynced) before any caller is acknowledged. This class is the SQLite {@link Database}: all writes go through one
 * {@link GroupCommitWriter}, reads use a small pool of read-only connections (WAL lets them run beside the writer),
 * every connection caches its statements ({@link StatementCache}). The SQL lives in the table groups it composes:
 * {@link MessageTables}, {@link SuppressionTables}, {@link EvidenceTables}, {@link TokenTables} (and {@link Outbox},
 * written inside their transactions).
 */
public final class SqliteStore implements Store, Database {
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
            // outOfOrder: migrations are added by parallel branches, so a store may already have a higher version
            // than one merged later (e.g. V20 before V12_1); that one is applied instead of refusing to start.
            Flyway.configure().dataSource(jdbc, null, null).placeholders(Map.of("binary", "BLOB"))
                    .locations("classpath:db/migration").outOfOrder(true).load().migrate();
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
            // Savepoint sub-journals (and temporary b-trees) in memory. SQLite keeps a sub-journal in memory only up
            // to 64 KiB by default and then spills it to a new temporary file per transaction: with the writer's
            // savepoints (a group savepoint open across all its units) that was most transactions, ~55 small
            // pwrite calls and ~85 KB written per message besides the WAL (https://sqlite.org/tempfiles.html §2.6,
            // https://sqlite.org/pragma.html#pragma_temp_store). Nothing of it needs to survive a crash: the WAL
            // holds what commits.
            s.execute("PRAGMA temp_store=MEMORY");
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

    // ---- the table groups ---------------------------------------------------------------------------------

    private final MessageTables messages = new MessageTables(this);
    private final SuppressionTables suppressions = new SuppressionTables(this);
    private final EvidenceTables evidence = new EvidenceTables(this);
    private final TokenTables tokens = new TokenTables(this);
    private final NodeTables nodes = new NodeTables(this);

    @Override
    public Optional<NodeInfo> heartbeat(NodeInfo node) {
        return nodes.heartbeat(node);
    }

    @Override
    public void nodeStopped(String id, String instance, Instant at) {
        nodes.stopped(id, instance, at);
    }

    @Override
    public List<NodeInfo> nodes() {
        return nodes.nodes();
    }

    private final TimelineTables timelines = new TimelineTables(this);

    @Override
    public Timeline timeline(String address, Optional<String> stream, Optional<Timeline.Cursor> after, int limit) {
        return timelines.timeline(address, stream, after, limit);
    }

    @Override
    public AcceptResult accept(NewMessage m) {
        return messages.accept(m);
    }

    @Override
    public List<Claim> claimDue(String owner, int limit, Duration lease, int perDomain) {
        return messages.claimDue(owner, limit, lease, perDomain);
    }

    @Override
    public Fenced recordAttempts(List<AttemptRecord> attempts, SuppressionDecider decider) {
        return messages.recordAttempts(attempts, decider);
    }

    @Override
    public Fenced postpone(List<Claim> claims, Instant at) {
        return messages.postpone(claims, at);
    }

    @Override
    public Fenced renewLeases(List<Claim> claims, Duration lease) {
        return messages.renewLeases(claims, lease);
    }

    @Override
    public int releaseLeases(String owner) {
        return messages.releaseLeases(owner);
    }

    @Override
    public Optional<MessageView> message(String id) {
        return messages.message(id);
    }

    @Override
    public List<MessageHit> messages(MessageQuery query) {
        return messages.search(query);
    }

    @Override
    public Optional<MessageContent> content(String messageId) {
        return messages.content(messageId);
    }

    @Override
    public List<MessageView.AttemptView> attempts(String recipientId) {
        return messages.attempts(recipientId);
    }

    @Override
    public QueueStats queueStats() {
        return messages.queueStats();
    }

    @Override
    public QueueBreakdown queueBreakdown() {
        return messages.queueBreakdown();
    }

    @Override
    public Optional<Instant> nextDueAt() {
        return messages.nextDueAt();
    }

    @Override
    public void suppress(Suppression s) {
        suppressions.suppress(s);
    }

    @Override
    public Optional<Suppression> suppression(String address, String stream) {
        return suppressions.suppression(address, stream);
    }

    @Override
    public List<Suppression> suppressions(Optional<String> stream, Optional<String> address, Optional<SuppressionState> state, int limit) {
        return suppressions.suppressions(stream, address, state, limit);
    }

    @Override
    public List<Suppression> suppressionsOfMessage(String messageId) {
        return suppressions.ofMessage(messageId);
    }

    @Override
    public List<SuppressionAudit> suppressionAudit(String address, String stream) {
        return suppressions.audit(address, stream);
    }

    @Override
    public Optional<Suppression> removeSuppression(String address, String stream, String actor, String note) {
        return suppressions.remove(address, stream, actor, note);
    }

    @Override
    public DomainOutcomes domainOutcomes(String domain, Instant since) {
        return suppressions.domainOutcomes(domain, since);
    }

    @Override
    public List<FinalOutcome> finalOutcomes(String address, String stream) {
        return evidence.finalOutcomes(address, stream);
    }

    @Override
    public List<StoredEvidence> recordEvidence(List<NewEvidence> items, String defaultStream, EvidenceDecision.Decider decider) {
        return evidence.record(items, defaultStream, decider);
    }

    @Override
    public List<EvidenceView> evidenceOfMessage(String messageId) {
        return evidence.ofMessage(messageId);
    }

    @Override
    public List<EvidenceView> evidenceOfAddress(String address, int limit) {
        return evidence.ofAddress(address, limit);
    }

    @Override
    public List<EvidenceView> evidenceOfEvent(String providerEvent, int limit) {
        return evidence.ofEvent(providerEvent, limit);
    }

    @Override
    public boolean firstTokenUse(String provider, String token, Instant keepUntil) {
        return tokens.firstUse(provider, token, keepUntil);
    }

    // ---- Database: the group-commit writer and the read pool ---------------------------------------------

    @Override
    public <T> T write(Database.Tx<T> tx) {
        return writer.write(tx::run);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    // ---- API keys (V12_1__api_keys.sql) -------------------------------------------------------------------

    private static final String API_KEY_COLUMNS = "id, name, secret_sha256, scopes, rate_per_second, burst, created_at, revoked_at";

    @Override
    public void createApiKey(ApiKeyRecord k) {
        writer.write(c -> {
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
        return writer.write(c -> {
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

    // ---- reads --------------------------------------------------------------------------------------------

    @Override
    public <T> T read(Database.Tx<T> r) {
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
}
