package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T04_HardBounceSuppressesTest extends ScenarioBase {
    @Test
    void userUnknown_isBouncedHard_andSuppressedForTheStreamOnly() throws Exception {
        domainWithMx("example.test");
        mx.script().reply("RCPT TO:<gone@example.test>", "550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown");
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"gone@example.test\"],\"text\":\"x\"}");

        h.service.scheduler().runOnce();

        JsonNode r = recipient(id, "gone@example.test");
        assertThat(r.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(r.get("reason").asString()).isEqualTo("userunknown");
        JsonNode a = r.get("attempts").get(0);
        assertThat(a.get("smtp_code").asInt()).isEqualTo(550);
        assertThat(a.get("enhanced_code").asString()).isEqualTo("5.1.1");
        assertThat(a.get("phase").asString()).isEqualTo("RCPT");
        assertThat(a.get("reply_lines").get(0).asString()).isEqualTo("5.1.1 <gone@example.test>: Recipient address rejected: User unknown");
        assertThat(a.get("decision_rule").asString()).isEqualTo("retry.no-repeat-5xx");
        assertThat(mx.received()).isEmpty();
        // example.test had no other recipient in the breaker's window: too few to tell a gone mailbox from the first
        // failure of an outage, so a provisional review first (it blocks nothing)...
        assertThat(h.get("/v1/suppressions/transactional/gone@example.test").json().get("rule").asString())
                .isEqualTo("suppress.provisional.hard");
        assertThat(h.service.store().suppression("gone@example.test", "transactional")).isEmpty();
        // ...suppressed when its hold ends with the domain healthy
        clock.advance(Duration.ofMinutes(15));
        assertThat(h.service.provisional().runOnce().suppressed()).isEqualTo(1);
        assertThat(h.service.store().suppression("gone@example.test", "transactional")).hasValueSatisfying(s -> {
            assertThat(s.reason()).isEqualTo("userunknown");
            assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown");
            assertThat(s.evidenceRef()).isEqualTo(a.get("id").asString());
        });

        // The next message to the address on the same stream is not sent; on another stream it is.
        var again = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"gone@example.test\"],\"text\":\"y\"}");
        assertThat(again.json().get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");
        JsonNode suppressed = recipient(again.json().get("id").asString(), "gone@example.test");
        assertThat(suppressed.get("reason").asString()).isEqualTo("userunknown");
        assertThat(suppressed.get("rule").asString()).isEqualTo("suppression.suppress.hard.userunknown");
        mx.script().reset(); // the mailbox works again: what reaches the MX is what Rebound sends
        var other = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"gone@example.test\"],\"text\":\"y\",\"stream\":\"marketing\"}");
        assertThat(other.json().get("recipients").get(0).get("state").asString()).isEqualTo("QUEUED");
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("gone@example.test"));
        assertThat(recipient(other.json().get("id").asString(), "gone@example.test").get("state").asString()).isEqualTo("DELIVERED");
    }
}
