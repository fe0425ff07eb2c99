package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T01_HttpIntakeDeliveredTest extends ScenarioBase {
    @Test
    void httpMessage_isDeliveredToTheMx_andTheEvidenceIsStored() throws Exception {
        domainWithMx("example.test");
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"alice@example.test\"],\"subject\":\"code\",\"text\":\"123456\"}");
        assertThat(recipient(id, "alice@example.test").get("state").asString()).isEqualTo("QUEUED");

        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);

        assertThat(mx.received()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEqualTo("app@sender.test");
            assertThat(m.recipients()).containsExactly("alice@example.test");
            assertThat(m.messageId()).hasValue(status(id).get("message_id_header").asString());
        });
        JsonNode r = recipient(id, "alice@example.test");
        assertThat(r.get("state").asString()).isEqualTo("DELIVERED");
        assertThat(r.get("next_attempt_at").isNull()).isTrue();
        JsonNode a = r.get("attempts").get(0);
        assertThat(a.get("smtp_code").asInt()).isEqualTo(250);
        assertThat(a.get("phase").asString()).isEqualTo("END_OF_DATA");
        assertThat(a.get("mx_host").asString()).isEqualTo("mx1.example.test");
        assertThat(a.get("mx_ip").asString()).isEqualTo("127.0.0.1");
        assertThat(a.get("local").asBoolean()).isFalse();
        assertThat(a.get("reply_lines").size()).isGreaterThanOrEqualTo(1);
        assertThat(a.get("outcome").asString()).isEqualTo("DELIVERED");
        assertThat(a.get("decision_rule").asString()).isEqualTo("retry.done");
    }
}
