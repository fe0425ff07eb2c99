package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The request body of one event (pure: the same outbox row gives the same bytes on every attempt and replay),
 * in the Standard Webhooks payload shape {@code {"type", "timestamp", "data"}} plus the event id (also sent as
 * {@code webhook-id}). {@code data} holds the evidence the outbox row was written with, under fixed names (null
 * when the event has no such field); the schema is {@code WebhookEvent} in {@code /openapi.json}.
 */
final class WebhookBody {
    /** The webhooks package's one JSON mapper. */
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The documented fields of {@code data}, in order. */
    static final List<String> FIELDS = List.of("message_id", "recipient_id", "recipient", "recipient_domain", "stream",
            "outcome", "reason", "rule_id", "smtp_code", "enhanced_code", "raw_reason", "provider", "provider_event",
            "source", "attempt", "decision", "decision_rule", "occurred_at", "next_attempt_at", "suppression");

    private static final Set<String> FIELD_SET = Set.copyOf(FIELDS);
    private static final Map<String, String> RENAMED = Map.of("recipient", "address");

    private WebhookBody() {}

    /** The webhook id of an event: {@code evt_} + the outbox id (stable across retries, redeliveries and replays). */
    public static String webhookId(WebhookStore.OutboxEvent e) {
        return "evt_" + e.id();
    }

    public static ObjectNode json(WebhookStore.OutboxEvent e, String type) {
        JsonNode payload = JSON.readTree(e.payload());
        ObjectNode data = JSON.createObjectNode();
        for (String f : FIELDS) {
            JsonNode v = payload.get(RENAMED.getOrDefault(f, f));
            switch (f) {
                case "message_id" -> data.put(f, e.messageId().isEmpty() ? null : e.messageId());
                case "recipient_id" -> data.put(f, e.recipientId().isEmpty() ? null : e.recipientId());
                case "recipient" -> data.put(f, e.address().isEmpty() ? null : e.address());
                case "stream" -> data.put(f, e.stream().isEmpty() ? null : e.stream());
                default -> {
                    if (v == null || v.isNull() || (v.isString() && v.asString().isEmpty())) data.putNull(f);
                    else data.set(f, v);
                }
            }
        }
        // the rest of the row's evidence (attempt id, MX host, evidence id, ...) under its own names
        ObjectNode details = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> en : payload.properties()) {
            String name = en.getKey();
            if (FIELD_SET.contains(name) || RENAMED.containsValue(name)) continue;
            details.set(name, en.getValue());
        }
        data.set("details", details);
        ObjectNode body = JSON.createObjectNode().put("id", webhookId(e)).put("type", type)
                .put("timestamp", e.createdAt().toString());
        body.set("data", data);
        return body;
    }

    public static byte[] bytes(WebhookStore.OutboxEvent e, String type) {
        return JSON.writeValueAsBytes(json(e, type));
    }
}
