package dev.rebound.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.rebound.server.config.ReboundConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store: one PostgreSQL database that several Rebound nodes use at once. This class is the PostgreSQL
 * {@link Database} under the same table groups as {@link SqliteStore} (see {@link SqlStore}, {@link Dialect}):
 *
 * <ul>
 *   <li>a HikariCP pool of {@code readConnections + 1} connections, each set to {@code synchronous_commit = on} when
 *   opened, so a {@code COMMIT} returns only after its WAL record is flushed to disk
 *   (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT);</li>
 *   <li>writes through one {@link GroupCommitWriter} per node holding one of them: each round of queued writes is one
 *   transaction and one WAL flush, and no caller of the round is acknowledged before its {@code COMMIT} returned; a
 *   failed {@code COMMIT} fails every caller of the round. Each statement is a network round trip, so the writer runs a
 *   round without savepoints first and ends it in one round trip ({@link Dialect#optimisticGroups()},
 *   {@link Dialect#commit}), fenced updates of many rows go as one JDBC batch ({@link Dialect#updateEach}), and
 *   batched INSERTs are rewritten into multi-row ones ({@code reWriteBatchedInserts});</li>
 *   <li>reads on the other pooled connections, in autocommit (each statement sees what was committed when it began,
 *   as the SQLite readers do);</li>
 *   <li>Flyway migrations from {@code db/postgresql}, one per SQLite migration with the same version number.</li>
 * </ul>
 *
 * Claims take rows with {@code FOR UPDATE SKIP LOCKED} and the outbox is numbered in commit order under an advisory
 * lock ({@link Dialect}), so nodes never lease one recipient twice at once and a cursor over {@code events.seq} never
 * skips a row.
 */
final class PostgresStore extends SqlStore {
    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

    /** How often the writer probes while the store is not writable (see {@link GroupCommitWriter}). */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    /**
     * Units per group transaction. Each unit runs in a savepoint inside the group's savepoint, and a savepoint that
     * writes is a subtransaction with its own xid; past 64 of them (PGPROC_MAX_CACHED_SUBXIDS) a transaction's subxid
     * cache overflows and the other sessions' visibility checks consult pg_subtrans while it runs
     * (https://www.postgresql.org/docs/16/subxacts.html). 63 units and the group's savepoint stay within the cache
     * and still share one WAL flush.
     */
    static final int MAX_GROUP = 63;

    private final HikariDataSource pool;
    private final GroupCommitWriter writer;
    private final String location;

    private PostgresStore(Clock clock, HikariDataSource pool, GroupCommitWriter writer, String location) {
        super(clock, Dialect.POSTGRESQL);
        this.pool = pool;
        this.writer = writer;
        this.location = location;
    }

    /**
     * Connects to the database named by a {@code jdbc:postgresql:} URL, migrates it and starts the writer.
     *
     * @param user            the role, empty when the URL names it ({@code ?user=})
     * @param password        its password, empty when none or when the URL carries it
     * @param readConnections the read pool's size (one more connection is the writer's)
     */
    static PostgresStore connect(String url, String user, String password, int readConnections, Clock clock) {
        if (!url.startsWith("jdbc:postgresql:")) throw new IllegalArgumentException("not a jdbc:postgresql: URL: " + redact(url));
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("rebound-store");
        cfg.setJdbcUrl(url);
        if (user != null && !user.isEmpty()) cfg.setUsername(user);
        if (password != null && !password.isEmpty()) cfg.setPassword(password);
        cfg.setMaximumPoolSize(readConnections + 1);
        cfg.setMinimumIdle(Math.min(2, readConnections + 1));
        cfg.setAutoCommit(true); // the writer issues BEGIN/COMMIT itself; reads run in autocommit
        cfg.setConnectionInitSql("SET synchronous_commit = on"); // durability before acknowledgement
        cfg.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
        cfg.setInitializationFailTimeout(Duration.ofSeconds(2).toMillis()); // fail the start with a clear message, not a hang
        cfg.addDataSourceProperty("ApplicationName", "rebound");
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        // a JDBC batch of INSERTs (a message's recipients) goes as multi-row INSERTs: fewer statements for the server
        // to parse and run (https://jdbc.postgresql.org/documentation/use/#connection-parameters); batches of
        // INSERT ... ON CONFLICT DO UPDATE must then not repeat a key (each is one statement), so they add per key first
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(cfg);
        } catch (HikariPool.PoolInitializationException e) {
            throw new StoreException("cannot connect to the PostgreSQL store " + redact(url) + ": " + rootMessage(e)
                    + " (check that the server runs and accepts TCP connections, and store.user / store.password, "
                    + "env REBOUND_STORE_USER / REBOUND_STORE_PASSWORD)", e);
        }
        try {
            // outOfOrder: migrations are added by parallel branches (see SqliteStore.open)
            Flyway.configure().dataSource(pool).locations(Dialect.POSTGRESQL.migrations()).outOfOrder(true).load().migrate();
            warnOnCollation(pool);
            GroupCommitWriter writer = new GroupCommitWriter(pool::getConnection, Dialect.POSTGRESQL, MAX_GROUP, "rebound-store-writer",
                    c -> probe(c, clock), PROBE_INTERVAL, clock);
            return new PostgresStore(clock, pool, writer, redact(url));
        } catch (Exception e) {
            pool.close();
            throw new StoreException("cannot open the PostgreSQL store " + redact(url) + ": " + rootMessage(e)
                    + " (the role needs CREATE on its schema to migrate it)", e);
        }
    }

    /**
     * Text order: lists paged by a text key (ids, addresses) are ordered by the database and, for merged pages, by Java
     * ({@code String.compareTo}, byte order like SQLite's). A database whose collation is not C orders some text
     * differently (e.g. glibc's en_US ignores punctuation at first), so the start-up log says so.
     */
    private static void warnOnCollation(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT datcollate FROM pg_database WHERE datname = current_database()"); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return;
            String collation = rs.getString(1);
            if (!collation.equals("C") && !collation.equals("POSIX") && !collation.startsWith("C."))
                log.warn("the PostgreSQL database's collation is {}: text is ordered differently from the byte order Rebound pages by; "
                        + "create the database with LC_COLLATE 'C' (TEMPLATE template0), see the README", collation);
        }
    }

    /** The writer's probe while the store is not writable: a row written and deleted again, then committed. */
    private static Object probe(Connection c, Clock clock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO store_probe (id, written_at, filler) VALUES (1, ?, ?)")) {
            ps.setLong(1, clock.millis());
            ps.setBytes(2, new byte[8192]);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM store_probe")) {
            ps.executeUpdate();
        }
        return null;
    }

    @Override
    public <T> T write(Database.Tx<T> tx) {
        return writer.write(tx::run);
    }

    @Override
    public QueueTally tally() {
        return writer.tally();
    }

    @Override
    public <T> T read(Database.Tx<T> r) {
        try (Connection c = pool.getConnection()) {
            return r.run(c);
        } catch (SQLException e) {
            if (Dialect.POSTGRESQL.storeFault(e).isPresent())
                throw new StoreUnavailableException("store read failed: " + e.getMessage(), e);
            throw new StoreException("store read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public StoreHealth health() {
        return writer.health();
    }

    @Override
    public WriteStats writeStats() {
        return writer.stats();
    }

    /** The writer, for tests in this package that need to hold a group open. */
    GroupCommitWriter writer() {
        return writer;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void close() {
        writer.close();
        pool.close();
    }

    /** The URL as it may be printed: a password in its userinfo or parameters masked. */
    static String redact(String url) {
        return ReboundConfig.StoreSettings.redact(url);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }
}
