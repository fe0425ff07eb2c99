package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled statements are reused across close(), with fresh parameters, and bounded in number. */
class StatementCacheTest {
    @TempDir Path dir;

    @Test
    void sameSqlGivesTheSameStatement_parametersClearedOnClose_oldestDroppedBeyondTheBound() throws Exception {
        try (Connection c = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db")))) {
            c.createStatement().execute("CREATE TABLE t (k INTEGER, v TEXT)");
            PreparedStatement first;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "a");
                ps.executeUpdate();
                first = ps;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                assertThat(ps).isSameAs(first);
                ps.setInt(1, 2);
                ps.setNull(2, java.sql.Types.VARCHAR);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT k, v FROM t ORDER BY k"); ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("a");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isNull();
            }
            // variable SQL text: the cache keeps at most MAX_STATEMENTS; the first one is pushed out and closed
            for (int i = 0; i < StatementCache.MAX_STATEMENTS + 5; i++) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + i)) {
                    ps.executeQuery().close();
                }
            }
            assertThat(first.isClosed()).isTrue();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                assertThat(ps).isNotSameAs(first);
                assertThat(ps.isClosed()).isFalse();
            }
        }
    }
}
