package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code events} outbox (V1): one row per state change, written in the transaction that makes the change, for
 * the outbound webhooks' fan-out ({@link WebhookStore}, V13), which reads it in {@code seq} order.
 */
final class Outbox {
    /** The store's one JSON mapper (event payloads). */
    static final JsonMapper JSON = JsonMapper.builder().build();

    private Outbox() {}

    static void event(Connection c, long now, String type, String messageId, String recipientId, ObjectNode payload) throws SQLException {
        event(c, now, type, messageId, recipientId, json(payload));
    }

    /** A suppression list entry as the outbox (and so the outbound webhooks) carry it. */
    static ObjectNode suppressionJson(Suppression s) {
        ObjectNode n = JSON.createObjectNode().put("address", s.address().toLowerCase(Locale.ROOT)).put("stream", s.stream())
                .put("state", s.state().name()).put("reason", s.reason()).put("rule_id", s.ruleId())
                .put("created_at", s.createdAt().toString()).put("evidence_ref", s.evidenceRef());
        if (s.expiresAt().isPresent()) n.put("expires_at", s.expiresAt().get().toString());
        else n.putNull("expires_at");
        return n;
    }

    static String json(ObjectNode payload) {
        return JSON.writeValueAsString(payload);
    }

    static void event(Connection c, long now, String type, String messageId, String recipientId, String payloadJson) throws SQLException {
        // seq: commit order for the webhook fan-out's cursor (V13); SQLite's single writer makes MAX + 1 unique, on
        // PostgreSQL a placeholder numbered at commit (Dialect)
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO events (id, created_at, type, message_id, recipient_id, payload, seq)
                VALUES (?,?,?,?,?,?,""" + Dialect.of(c).eventSeqAtInsert() + ")")) {
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
