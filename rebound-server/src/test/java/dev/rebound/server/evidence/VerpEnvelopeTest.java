package dev.rebound.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.delivery.DeliveryRequest;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** bounces.domain: each recipient is sent in its own transaction with MAIL FROM bounces+<recipient-id>@<domain>. */
class VerpEnvelopeTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));

    private static final String TWO = "{\"from\":\"app@sender.test\",\"to\":[\"a@example.test\",\"b@example.test\"],\"text\":\"x\"}";

    @Test
    void withBounceDomain_oneTransactionPerRecipient_withItsVerpSender() throws Exception {
        ScriptedAgent agent = new ScriptedAgent(clock);
        try (ServiceHarness h = new ServiceHarness(dir, clock, agent, false, Map.of("REBOUND_BOUNCES_DOMAIN", "Bounces.Rebound.Test"))) {
            JsonNode receipt = h.post("/v1/messages", TWO).json();
            h.service.scheduler().runOnce();
            assertThat(agent.requests).hasSize(2);
            for (JsonNode r : receipt.get("recipients")) {
                DeliveryRequest req = agent.requests.stream().filter(q -> q.recipients().contains(r.get("address").asString())).findFirst().orElseThrow();
                assertThat(req.recipients()).hasSize(1);
                assertThat(req.mailFrom()).isEqualTo("bounces+" + r.get("id").asString() + "@bounces.rebound.test");
            }
        }
    }

    @Test
    void withoutBounceDomain_theMessagesSender_andOneTransactionPerDomain() throws Exception {
        ScriptedAgent agent = new ScriptedAgent(clock);
        try (ServiceHarness h = new ServiceHarness(dir, clock, agent, false, Map.of())) {
            h.post("/v1/messages", TWO);
            h.service.scheduler().runOnce();
            assertThat(agent.requests).singleElement().satisfies(q -> {
                assertThat(q.mailFrom()).isEqualTo("app@sender.test");
                assertThat(q.recipients()).containsExactly("a@example.test", "b@example.test");
            });
        }
    }
}
