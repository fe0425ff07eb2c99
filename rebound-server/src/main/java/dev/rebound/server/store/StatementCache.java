package dev.rebound.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the write connection's prepared statements for reuse. SQLite compiles the SQL text on every
 * {@code prepareStatement}; the writer runs the same handful of statements for every message, so it compiles
 * each once. The store's code stays as it is: {@code prepareStatement(sql)} returns the cached statement and
 * its {@code close()} only clears the parameters and batch. Used by the {@link GroupCommitWriter} thread
 * alone (one connection, one thread), so a plain map suffices; closing the connection closes the statements.
 */
final class StatementCache {
    private StatementCache() {}

    static Connection wrap(Connection connection) {
        Map<String, PreparedStatement> cache = new HashMap<>();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
                PreparedStatement ps = cache.get(sql);
                if (ps == null || ps.isClosed()) {
                    ps = reusable(connection.prepareStatement(sql));
                    cache.put(sql, ps);
                }
                return ps;
            }
            if (method.getName().equals("close") && (args == null || args.length == 0)) {
                for (PreparedStatement ps : cache.values()) ps.unwrap(PreparedStatement.class).close();
                cache.clear();
            }
            return invoke(connection, method, args);
        };
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private static PreparedStatement reusable(PreparedStatement statement) {
        InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "close" -> {
                    if (args == null || args.length == 0) {
                        statement.clearParameters();
                        statement.clearBatch();
                        return null;
                    }
                }
                case "unwrap" -> {
                    if (args != null && args.length == 1 && args[0] == PreparedStatement.class) return statement;
                }
                default -> { }
            }
            return invoke(statement, method, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
