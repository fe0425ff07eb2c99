package dev.rebound.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The node registry ({@code nodes}, V51): heartbeats written by each node, read by {@code GET /v1/nodes}. */
final class NodeTables {
    private final Database db;

    NodeTables(Database db) {
        this.db = db;
    }

    /**
     * Writes this node's heartbeat (insert or replace its row: a restart is a new instance and start time). Returns
     * the row as it was before, so the caller can see another live instance with the same id.
     */
    Optional<NodeInfo> heartbeat(NodeInfo n) {
        return db.write(c -> {
            Optional<NodeInfo> before = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id = ?")) {
                ps.setString(1, n.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) before = Optional.of(row(rs, 0));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO nodes (id, host, version, pid, instance, started_at, last_seen_at, heartbeat_ms, dead_after_ms, stopped_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT (id) DO UPDATE SET host = excluded.host, version = excluded.version, pid = excluded.pid,
                        instance = excluded.instance, started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,
                        heartbeat_ms = excluded.heartbeat_ms, dead_after_ms = excluded.dead_after_ms, stopped_at = excluded.stopped_at
                    """)) {
                ps.setString(1, n.id());
                ps.setString(2, n.host());
                ps.setString(3, n.version());
                ps.setLong(4, n.pid());
                ps.setString(5, n.instance());
                ps.setLong(6, n.startedAt().toEpochMilli());
                ps.setLong(7, n.lastSeenAt().toEpochMilli());
                ps.setLong(8, n.heartbeatInterval().toMillis());
                ps.setLong(9, n.deadAfter().toMillis());
                Rows.setInstant(ps, 10, n.stoppedAt());
                ps.executeUpdate();
            }
            return before;
        });
    }

    private static final String SELECT = """
            SELECT id, host, version, pid, instance, started_at, last_seen_at, heartbeat_ms, dead_after_ms, stopped_at FROM nodes""";

    private static NodeInfo row(ResultSet rs, long leased) throws java.sql.SQLException {
        return new NodeInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), Rows.requiredInstant(rs, 6),
                Rows.requiredInstant(rs, 7), Duration.ofMillis(rs.getLong(8)), Duration.ofMillis(rs.getLong(9)), Rows.instant(rs, 10), leased);
    }

    /** Every node ever registered, by id, with the live leases each holds (one read over the leased rows' index). */
    List<NodeInfo> nodes() {
        return db.read(c -> {
            long now = db.clock().millis();
            Map<String, Long> leased = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT lease_owner, COUNT(*) FROM recipients WHERE lease_owner IS NOT NULL AND lease_expires_at > ? GROUP BY lease_owner
                    """)) {
                ps.setLong(1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) leased.put(rs.getString(1), rs.getLong(2));
                }
            }
            List<NodeInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY id"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs, leased.getOrDefault(rs.getString(1), 0L)));
            }
            return out;
        });
    }

    /** Marks the node stopped (a clean stop), only if the row is still this instance's. */
    void stopped(String id, String instance, Instant at) {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE nodes SET stopped_at = ?, last_seen_at = ? WHERE id = ? AND instance = ?")) {
                ps.setLong(1, at.toEpochMilli());
                ps.setLong(2, at.toEpochMilli());
                ps.setString(3, id);
                ps.setString(4, instance);
                return ps.executeUpdate();
            }
        });
    }
}
