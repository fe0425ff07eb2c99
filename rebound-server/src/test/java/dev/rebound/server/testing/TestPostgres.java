package dev.rebound.server.testing;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * A fresh schema on the real local PostgreSQL for one test (class or instance), dropped again by {@link #close()}.
 * Several test runs share one database at once, so every test works in its own schema {@code t_<random>}, named in
 * the JDBC URL ({@code currentSchema=}), never in {@code public}. Where the server is: {@code REBOUND_TEST_PG_URL}
 * (default {@code jdbc:postgresql://127.0.0.1:5432/rebound_test}), {@code REBOUND_TEST_PG_USER} /
 * {@code REBOUND_TEST_PG_PASSWORD} (default rebound / rebound). An unreachable server fails the test, with how to
 * start one (CI's {@code .ci/run} does); it is never skipped.
 *
 * @param url      the JDBC URL of the schema (for {@code store.url})
 * @param schema   the schema's name
 */
public record TestPostgres(String url, String user, String password, String schema, String serverUrl) implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The server's URL, user and password for tests. */
    public static String defaultServerUrl() {
        return env("REBOUND_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/rebound_test");
    }

    public static TestPostgres freshSchema() {
        String server = defaultServerUrl();
        String user = env("REBOUND_TEST_PG_USER", "rebound");
        String password = env("REBOUND_TEST_PG_PASSWORD", "rebound");
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        String schema = "t_" + HexFormat.of().formatHex(b);
        try (Connection c = DriverManager.getConnection(server, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("the PostgreSQL tests need a PostgreSQL server and cannot reach " + server + " as " + user
                    + ": " + e.getMessage() + ". Start it as .ci/run does (as root: pg_ctlcluster 15 main start; then, as the "
                    + "postgres user, CREATE ROLE rebound LOGIN PASSWORD 'rebound' and CREATE DATABASE rebound_test OWNER rebound), "
                    + "or point REBOUND_TEST_PG_URL, REBOUND_TEST_PG_USER and REBOUND_TEST_PG_PASSWORD at a server where that role may "
                    + "create schemas.", e);
        }
        String url = server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return new TestPostgres(url, user, password, schema, server);
    }

    /** A plain connection to this schema (for a test's own checks). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /** Drops the schema with everything in it. */
    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(serverUrl, user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the test schema " + schema + " on " + serverUrl + ": " + e.getMessage(), e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
