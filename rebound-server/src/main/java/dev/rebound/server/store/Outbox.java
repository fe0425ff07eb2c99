package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code events} outbox (V1): one row per state change, written in the transaction that makes the change, for
 * whatever publishes Rebound's own webhooks from it (nothing reads it yet; the webhooks work adds the reader here).
 */
final class Outbox {
    /** The store's one JSON mapper (event payloads). */
    static final JsonMapper JSON = JsonMapper.builder().build();

    private Outbox() {}

    /** A payload from name/value pairs. */
    static String payload(String... fields) {
        ObjectNode n = JSON.createObjectNode();
        for (int i = 0; i + 1 < fields.length; i += 2) n.put(fields[i], fields[i + 1]);
        return json(n);
    }

    static String json(ObjectNode payload) {
        return JSON.writeValueAsString(payload);
    }

    static void event(Connection c, long now, String type, String messageId, String recipientId, String payloadJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO events (id, created_at, type, message_id, recipient_id, payload) VALUES (?,?,?,?,?,?)
                """)) {
            ps.setString(1, Database.newId());
            ps.setLong(2, now);
            ps.setString(3, type);
            ps.setString(4, messageId);
            ps.setString(5, recipientId);
            ps.setString(6, payloadJson);
            ps.executeUpdate();
        }
    }
}
