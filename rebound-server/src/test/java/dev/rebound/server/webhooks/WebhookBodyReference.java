package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The webhook body as it was built before {@link WebhookBody} wrote it in one pass: a Jackson tree of the outbox
 * payload, the {@code data} object and the envelope, serialized by the mapper. Kept (test scope only) as the
 * reference the one-pass writer must equal byte for byte ({@code WebhookBodyTest}).
 */
final class WebhookBodyReference {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> FIELD_SET = Set.copyOf(WebhookBody.FIELDS);
    private static final Map<String, String> RENAMED = Map.of("recipient", "address");

    private WebhookBodyReference() {}

    static ObjectNode json(WebhookStore.OutboxEvent e, String type) {
        JsonNode payload = JSON.readTree(e.payload());
        ObjectNode data = JSON.createObjectNode();
        for (String f : WebhookBody.FIELDS) {
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
        ObjectNode body = JSON.createObjectNode().put("id", WebhookBody.webhookId(e)).put("type", type)
                .put("timestamp", e.createdAt().toString());
        body.set("data", data);
        return body;
    }

    static byte[] bytes(WebhookStore.OutboxEvent e, String type) {
        return JSON.writeValueAsBytes(json(e, type));
    }
}
