package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T06_NxdomainTest extends ScenarioBase {
    @Test
    void nxdomain_isHostUnknown() throws Exception {
        startService(); // FakeDns answers NXDOMAIN for every name never scripted
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"x@no-such-domain.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "x@no-such-domain.test");
        assertThat(r.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(r.get("reason").asString()).isEqualTo("hostunknown");
        JsonNode a = r.get("attempts").get(0);
        assertThat(a.get("smtp_code").asInt()).isEqualTo(550);
        assertThat(a.get("enhanced_code").asString()).isEqualTo("5.1.2");
        assertThat(a.get("local").asBoolean()).isTrue();
        assertThat(a.get("phase").asString()).isEqualTo("NONE");
        assertThat(dns.queries()).anyMatch(q -> q.contains("no-such-domain.test"));
    }
}
