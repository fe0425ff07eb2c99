package dev.rebound.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sqlite.SQLiteConnection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/**
 * Keeps the write connection's prepared statements for reuse. SQLite compiles the SQL text on every
 * {@code prepareStatement}; the writer runs the same handful of statements for every message, so it compiles
 * each once. The store's code stays as it is: {@code prepareStatement(sql)} returns the cached statement, whose
 * {@code close()} only clears the parameters and batch (a plain subclass of sqlite-jdbc's statement, so the
 * per-call path has no reflection). A connection is used by one thread at a time (the writer's by the
 * {@link GroupCommitWriter} thread, a reader by whoever took it from the pool, handed over through a blocking
 * queue), so a plain map suffices; closing the connection closes the statements.
 */
final class StatementCache {
    /** More than the store's distinct statements, few enough that variable SQL cannot grow it without bound. */
    static final int MAX_STATEMENTS = 128;

    private StatementCache() {}

    /** A prepared statement whose close() keeps it compiled for the next use. */
    private static final class Reused extends JDBC4PreparedStatement {
        Reused(SQLiteConnection connection, String sql) throws SQLException {
            super(connection, sql);
        }

        @Override
        public void close() throws SQLException {
            // sqlite-jdbc finalizes a statement whose execution failed: nothing to clear then (and the cache
            // compiles a new one on the next prepareStatement), and no second error to hide the first one.
            if (!compiled()) return;
            clearParameters();
            clearBatch();
        }

        /** Still compiled: sqlite-jdbc finalizes a statement whose step failed without marking it closed. */
        boolean compiled() {
            return !isClosed() && pointer != null && !pointer.isClosed();
        }

        void release() throws SQLException {
            super.close();
        }
    }

    static Connection wrap(Connection connection) throws SQLException {
        SQLiteConnection sqlite = connection.unwrap(SQLiteConnection.class);
        // Least recently used first; statements built from variable SQL text must not pile up, so at most
        // MAX_STATEMENTS stay compiled and the one pushed out is closed.
        Map<String, Reused> cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Reused> eldest) {
                if (size() <= MAX_STATEMENTS) return false;
                try {
                    eldest.getValue().release();
                } catch (SQLException e) {
                    // closing a statement we no longer keep: nothing to do about a failure here
                }
                return true;
            }
        };
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
                Reused ps = cache.get(sql);
                if (ps == null || !ps.compiled()) {
                    ps = new Reused(sqlite, sql);
                    cache.put(sql, ps);
                }
                return ps;
            }
            if (method.getName().equals("close") && (args == null || args.length == 0)) {
                for (Reused ps : cache.values()) ps.release();
                cache.clear();
            }
            try {
                return method.invoke(connection, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }
}
