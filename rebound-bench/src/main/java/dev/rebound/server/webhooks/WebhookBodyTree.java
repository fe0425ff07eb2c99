package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The "before" of {@link WebhookBodyBenchmark}: the body as a Jackson tree (the code {@link WebhookBody} had until
 * it wrote the body in one pass; the test suite keeps the same code as {@code WebhookBodyReference}) and the
 * signature as it was computed then (a clone of the keyed Mac, the signed content's head joined as a string).
 */
final class WebhookBodyTree {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> FIELD_SET = Set.copyOf(WebhookBody.FIELDS);
    private static final Map<String, String> RENAMED = Map.of("recipient", "address");

    private WebhookBodyTree() {}

    static byte[] bytes(WebhookStore.OutboxEvent e, String type) {
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
        return JSON.writeValueAsBytes(body);
    }

    /** The signer as it was: a clone of the keyed Mac per signature, {@code id + "." + ts + "."} joined first. */
    static final class Signer {
        private final Mac keyed;

        Signer(String secret) {
            try {
                keyed = Mac.getInstance("HmacSHA256");
                keyed.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String sign(String msgId, long timestamp, byte[] payload) {
            try {
                Mac mac = (Mac) keyed.clone();
                mac.update((msgId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
                return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(payload));
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
