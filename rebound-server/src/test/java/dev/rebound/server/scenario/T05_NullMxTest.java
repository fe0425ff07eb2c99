package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T05_NullMxTest extends ScenarioBase {
    @Test
    void nullMx_isAHardBounceWithoutConnecting() throws Exception {
        dns.nullMx("nomail.test");
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"x@nomail.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "x@nomail.test");
        assertThat(r.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(r.get("reason").asString()).isEqualTo("notaccept");
        JsonNode a = r.get("attempts").get(0);
        assertThat(a.get("smtp_code").asInt()).isEqualTo(556);
        assertThat(a.get("enhanced_code").asString()).isEqualTo("5.1.10");
        assertThat(a.get("local").asBoolean()).isTrue();
        assertThat(a.get("reply_lines").get(0).asString()).startsWith("5.1.10");
        assertThat(mx.connections()).isZero();
    }
}
