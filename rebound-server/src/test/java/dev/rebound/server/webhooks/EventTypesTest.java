package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.rebound.core.events.StandardWebhookSignature;
import dev.rebound.server.store.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class EventTypesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant T = Instant.parse("2026-05-01T10:00:00Z");

    static WebhookStore.OutboxEvent event(String type, String stream, String payload) {
        return new WebhookStore.OutboxEvent(7, "e1", T, type, "m1", "r1", "a@example.test", stream, payload);
    }

    static WebhookStore.Endpoint endpoint(boolean finalOnly, List<String> types, List<String> streams) {
        return new WebhookStore.Endpoint("wh", "api", "https://app.example/hook", "whsec_x", Optional.empty(), Optional.empty(), types,
                streams, finalOnly, WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "", T, T);
    }

    @Test
    void outboxTypes_mapToThePublicOnes() {
        assertThat(EventTypes.publicType(event("recipient.bounced_hard", "t", "{}"))).hasValue("bounced");
        assertThat(EventTypes.publicType(event("recipient.bounced_soft", "t", "{}"))).hasValue("bounced");
        assertThat(EventTypes.publicType(event("recipient.blocked_policy", "t", "{}"))).hasValue("blocked");
        assertThat(EventTypes.publicType(event("recipient.complaint", "t", "{}"))).hasValue("complained");
        assertThat(EventTypes.publicType(event("suppression.removed", "t", "{}"))).hasValue("unsuppressed");
        assertThat(EventTypes.publicType(event("suppression.created", "t", "{}"))).hasValue("suppressed");
        assertThat(EventTypes.publicType(event("suppression.review", "t", "{}"))).hasValue("review");
        assertThat(EventTypes.isFinal("review")).as("a final-only endpoint gets reviews").isTrue();
        assertThat(EventTypes.publicType(event("evidence.recorded", "t", "{\"outcome\":\"DEFERRED\"}"))).hasValue("deferred");
        assertThat(EventTypes.publicType(event("evidence.recorded", "t", "{\"outcome\":\"DELIVERED\"}"))).isEmpty();
    }

    @Test
    void finalOnly_typeAndStreamFilters() {
        var deferred = event("recipient.deferred", "transactional", "{}");
        var bounced = event("recipient.bounced_hard", "transactional", "{}");
        var otherStream = event("recipient.bounced_hard", "newsletter", "{}");
        assertThat(EventTypes.wants(endpoint(true, List.of(), List.of()), deferred)).isFalse();
        assertThat(EventTypes.wants(endpoint(false, List.of(), List.of()), deferred)).isTrue();
        assertThat(EventTypes.wants(endpoint(true, List.of(), List.of()), bounced)).isTrue();
        assertThat(EventTypes.wants(endpoint(true, List.of("delivered"), List.of()), bounced)).isFalse();
        assertThat(EventTypes.wants(endpoint(true, List.of(), List.of("transactional")), otherStream)).isFalse();
        assertThat(EventTypes.wants(endpoint(true, List.of(), List.of("transactional")), bounced)).isTrue();
    }

    @Test
    void body_isTheStandardWebhooksShape_withTheEvidence() {
        var e = event("recipient.bounced_hard", "transactional",
                "{\"smtp_code\":550,\"enhanced_code\":\"5.1.1\",\"reason\":\"userunknown\",\"rule_id\":\"text.userunknown\",\"phase\":\"RCPT\"}");
        JsonNode b = JSON.readTree(WebhookBody.bytes(e, "bounced"));
        assertThat(b.get("id").asString()).isEqualTo("evt_e1");
        assertThat(b.get("type").asString()).isEqualTo("bounced");
        assertThat(b.get("timestamp").asString()).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(b.get("data").get("recipient").asString()).isEqualTo("a@example.test");
        assertThat(b.get("data").get("smtp_code").asInt()).isEqualTo(550);
        assertThat(b.get("data").get("provider_event").isNull()).isTrue();
        assertThat(b.get("data").get("details").get("phase").asString()).isEqualTo("RCPT");
        assertThat(b.get("data").propertyNames()).containsAll(WebhookBody.FIELDS);
        // the same row gives the same bytes (retries and replays sign the same body)
        assertThat(WebhookBody.bytes(e, "bounced")).isEqualTo(WebhookBody.bytes(e, "bounced"));
    }

    @Test
    void specTestVector_coreAndTheIndependentLibraryAgree() throws Exception {
        JsonNode v = JSON.readTree(Files.readString(Path.of(System.getProperty("rebound.shared.dir"),
                "fixtures/provider-events/standard-webhooks/test-vectors.json")));
        String ours = new StandardWebhookSignature(v.get("secret").asString()).sign(v.get("msg_id").asString(),
                v.get("timestamp").asLong(), v.get("payload").asString().getBytes(StandardCharsets.UTF_8));
        assertThat(ours).isEqualTo(v.get("expected_signature").asString());
        assertThat(new Webhook(v.get("secret").asString()).sign(v.get("msg_id").asString(), v.get("timestamp").asLong(),
                v.get("payload").asString())).isEqualTo(ours);
    }
}
