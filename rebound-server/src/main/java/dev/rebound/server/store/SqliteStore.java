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
 * every connection caches its statements ({@link StatementCache}). The SQL lives in the table groups that
 * {@link SqlStore} composes, the same for the PostgreSQL store.
 */
public final class SqliteStore extends SqlStore {
    private final Path file;
    private final GroupCommitWriter writer;
    private final BlockingQueue<Connection> readers;

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
        super(clock, Dialect.SQLITE);
        this.file = file;
        this.jdbc = jdbc;
        this.settings = settings;
        this.writer = writer;
        this.readers = readers;
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
                    .locations(Dialect.SQLITE.migrations()).outOfOrder(true).load().migrate();
            WriteSettings settings = new WriteSettings();
            GroupCommitWriter writer = new GroupCommitWriter(() -> StatementCache.wrap(connectWriter(jdbc, settings)), Dialect.SQLITE, 512,
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
            // holds what commits. (A merge lost this line once and the relay lost a quarter of its rate:
            // SqliteStoreTest checks it.)
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

    // ---- Database: the group-commit writer and the read pool ---------------------------------------------

    @Override
    public <T> T write(Database.Tx<T> tx) {
        return writer.write(tx::run);
    }

    @Override
    public QueueTally tally() {
        return writer.tally();
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
            if (Dialect.SQLITE.storeFault(e).isEmpty()) throw new StoreException("store read failed: " + e.getMessage(), e);
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
