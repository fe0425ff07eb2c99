package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/**
 * The few places where the store's SQL differs between its two databases; every other statement of the table
 * groups is the common subset both run ({@code ON CONFLICT ... DO}, {@code COALESCE}, {@code LIMIT ?}, epoch
 * millisecond {@code BIGINT} times, text ids from {@link Database#newId()}).
 *
 * <ul>
 *   <li><b>Write transaction.</b> SQLite: {@code BEGIN IMMEDIATE} (take the write lock at once). PostgreSQL:
 *   {@code BEGIN}; row locks are taken by each statement.</li>
 *   <li><b>Claims.</b> SQLite has one writer, so the claim's {@code SELECT} then {@code UPDATE} in one transaction
 *   is already exclusive. PostgreSQL: several nodes claim at once, so the claim's {@code SELECT} ends with
 *   {@code FOR UPDATE OF <table> SKIP LOCKED}: a row another node is claiming (or recording) is skipped rather than
 *   waited for, and a row whose claim committed meanwhile is re-checked against the {@code WHERE} clause (its
 *   lease is then set, so it drops out) (https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE).</li>
 *   <li><b>Outbox order.</b> {@code events.seq} must be commit order, so a cursor over it never skips a row
 *   committed late. SQLite: the single writer assigns {@code MAX(seq) + 1}. PostgreSQL: rows are inserted with a
 *   negative placeholder from the sequence {@code events_pending_seq} (insertion order within the transaction);
 *   just before {@code COMMIT} the writer takes the transaction-level advisory lock {@link #OUTBOX_LOCK}, numbers
 *   its rows from the sequence {@code events_commit_seq} and commits, releasing the lock (one round trip,
 *   {@link #commit}). A transaction's locks are
 *   released only after its commit is visible, so the next holder's numbers are higher than every visible one:
 *   readers ({@code seq > cursor}) see the outbox grow as a prefix in seq order. The lock is the last one a
 *   transaction takes and is held only while numbering and committing, so it cannot be part of a deadlock.</li>
 *   <li><b>Faults.</b> What "the store cannot take writes now" looks like: SQLite result codes; PostgreSQL SQLSTATE
 *   classes 08 (connection), 53 (insufficient resources, e.g. disk full), 57 (operator intervention, e.g. shutdown),
 *   58 (system I/O error), XX (internal) and 25006 (a read-only server, e.g. a standby)
 *   (https://www.postgresql.org/docs/15/errcodes-appendix.html). A deadlock (40P01) or serialization failure (40001)
 *   between nodes is neither: the writer runs that unit again.</li>
 * </ul>
 */
enum Dialect {
    SQLITE,
    POSTGRESQL;

    /** The advisory lock key held while a PostgreSQL transaction numbers its outbox rows ("rebound" in ASCII). */
    static final long OUTBOX_LOCK = 0x7265626f756e64L;

    /** SQLite primary result codes that mean the store cannot take writes (https://sqlite.org/rescode.html). */
    private static final Set<Integer> SQLITE_FAULT_CODES = Set.of(5, 6, 7, 8, 10, 11, 13, 14, 15, 26);

    /** The dialect of a connection (by its driver's product name; a local call in both drivers). */
    static Dialect of(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseProductName().startsWith("PostgreSQL") ? POSTGRESQL : SQLITE;
    }

    /** The statement that opens a group's write transaction. */
    String beginWrite() {
        return this == SQLITE ? "BEGIN IMMEDIATE" : "BEGIN";
    }

    /** The Flyway location of this database's migrations (same version numbers in both). */
    String migrations() {
        return this == SQLITE ? "classpath:db/migration" : "classpath:db/postgresql";
    }

    /**
     * What ends a claim's {@code SELECT} (after {@code LIMIT}): nothing on SQLite, {@code FOR UPDATE OF alias SKIP
     * LOCKED} on PostgreSQL (the rows of {@code alias} only, not of the tables it is joined with).
     */
    String skipLocked(String alias) {
        return this == SQLITE ? "" : " FOR UPDATE OF " + alias + " SKIP LOCKED";
    }

    /** The first key of the advisory locks that serialise claims of one domain under a per-domain limit ("rbnd"). */
    static final int DOMAIN_CLAIM_LOCK = 0x72626e64;

    /**
     * Serialises the claims of one domain under a per-domain limit until the transaction ends, so each claimer counts
     * the leases the previous one committed. SQLite: nothing (one writer). PostgreSQL: the transaction-level advisory
     * lock ({@link #DOMAIN_CLAIM_LOCK}, the domain's {@code String.hashCode()}), waited for rather than skipped, so a
     * node whose peer claims the same busy domain back to back still gets its turn (a skipped row lock starved it).
     * Only claims take it; a deadlock between two claims is a unit run again (40P01).
     */
    void lockDomainClaim(Connection c, String domain) throws SQLException {
        if (this == SQLITE) return;
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, DOMAIN_CLAIM_LOCK);
            ps.setInt(2, domain.hashCode());
            ps.execute();
        }
    }

    /** The value of {@code events.seq} at insert (see the class comment). */
    String eventSeqAtInsert() {
        return this == SQLITE ? "(SELECT COALESCE(MAX(seq), 0) + 1 FROM events)" : "-nextval('events_pending_seq')";
    }

    /**
     * PostgreSQL's end of a group in one round trip: the outbox lock only when this transaction wrote outbox rows (rows
     * with {@code seq < 0} visible here are its own), then their numbers, then {@code COMMIT}. pgjdbc sends the three
     * statements of one string together and reads their answers after one sync; an error in one skips the rest (the
     * transaction is aborted, so a {@code COMMIT} would not commit anyway) and is thrown.
     * {@code nextval} in the outer query over the ordered subquery: numbers follow the insertion order (placeholders
     * -1, -2, ... were drawn in that order).
     */
    private static final String NUMBER_OUTBOX_AND_COMMIT = "SELECT pg_advisory_xact_lock(" + OUTBOX_LOCK + ") FROM "
            + "(SELECT 1 FROM events WHERE seq < 0 LIMIT 1) own_rows; "
            + "UPDATE events e SET seq = n.seq FROM (SELECT o.id, nextval('events_commit_seq') AS seq "
            + "FROM (SELECT id FROM events WHERE seq < 0 ORDER BY seq DESC) o) n WHERE e.id = n.id; "
            + "COMMIT";

    /**
     * Ends a group's transaction: {@code COMMIT} on SQLite; on PostgreSQL the transaction's outbox rows are first
     * numbered in commit order under {@link #OUTBOX_LOCK} (see the class comment), in the same round trip as the
     * {@code COMMIT}. Returns normally only when the transaction committed.
     */
    void commit(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(this == SQLITE ? "COMMIT" : NUMBER_OUTBOX_AND_COMMIT)) {
            ps.execute();
        }
    }

    /**
     * Whether the {@link GroupCommitWriter} first runs a group without a savepoint per unit (and only after a unit
     * failed runs it again with them): PostgreSQL, where each savepoint costs two round trips and a subtransaction.
     * SQLite keeps its savepoints, which cost nothing there and which its fault handling reads.
     */
    boolean optimisticGroups() {
        return this == POSTGRESQL;
    }

    /** Sets the parameters of row {@code i} of a statement run once per row. */
    @FunctionalInterface
    interface Row {
        void bind(PreparedStatement ps, int i) throws SQLException;
    }

    /**
     * Runs {@code ps} once for each of {@code rows} rows and returns each run's update count, in row order (fenced
     * updates read them: 1 when the row still carried the lease). PostgreSQL: one JDBC batch, which pgjdbc sends in one
     * round trip and answers with each statement's count. SQLite: one {@code executeUpdate} per row, a call into the
     * same process.
     */
    int[] updateEach(PreparedStatement ps, int rows, Row row) throws SQLException {
        int[] counts = new int[rows];
        if (this == SQLITE) {
            for (int i = 0; i < rows; i++) {
                row.bind(ps, i);
                counts[i] = ps.executeUpdate();
            }
            return counts;
        }
        if (rows == 0) return counts;
        for (int i = 0; i < rows; i++) {
            row.bind(ps, i);
            ps.addBatch();
        }
        int[] done = ps.executeBatch();
        if (done.length != rows) throw new SQLException("a batch of " + rows + " updates reported " + done.length + " counts");
        return done;
    }

    /** The error in {@code e}'s causes that means the store cannot take writes now, if any. */
    Optional<SQLException> storeFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se && isFault(se)) return Optional.of(se);
            if (t.getCause() == t) break;
        }
        return Optional.empty();
    }

    private boolean isFault(SQLException se) {
        if (this == SQLITE) {
            int primary = se.getErrorCode() & 0xff;
            // 0: sqlite-jdbc's own state errors (a closed connection or statement)
            return primary == 0 || SQLITE_FAULT_CODES.contains(primary);
        }
        String state = se.getSQLState();
        if (state == null) return true; // pgjdbc's own errors without a state: an unusable connection
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.startsWith("58")
                || state.startsWith("XX") || state.equals("25006");
    }

    /** A conflict with a concurrent transaction (another node) after which the unit may simply run again. */
    boolean retryable(Throwable e) {
        if (this == SQLITE) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se && ("40P01".equals(se.getSQLState()) || "40001".equals(se.getSQLState()))) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    /**
     * Whether the write connection is out of a transaction and answers, after a group that did not commit and its
     * {@code ROLLBACK}. SQLite: {@code BEGIN} succeeds only outside a transaction. PostgreSQL: {@code BEGIN} inside
     * one is only a warning, so the check is a {@code ROLLBACK} that succeeds (it ends any transaction; an error
     * means the connection is gone) and a {@code SELECT 1} that answers.
     */
    boolean usable(Connection c) {
        try {
            if (this == SQLITE) {
                execute(c, "BEGIN");
                try (PreparedStatement ps = c.prepareStatement("SELECT 1"); ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getInt(1) != 1) return false;
                }
                execute(c, "ROLLBACK");
                return true;
            }
            execute(c, "ROLLBACK"); // a warning only when no transaction is open; an error means the connection is gone
            try (PreparedStatement ps = c.prepareStatement("SELECT 1"); ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }
}
