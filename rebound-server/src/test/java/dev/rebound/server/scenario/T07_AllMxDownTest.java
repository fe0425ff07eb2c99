package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T07_AllMxDownTest extends ScenarioBase {
    @Test
    void everyMxRefusing_isDeferredWithALocalReply() throws Exception {
        dns.mx("down.test", 10, "mx1.down.test").mx("down.test", 20, "mx2.down.test")
                .a("mx1.down.test", "127.0.0.1").a("mx2.down.test", "127.0.0.1");
        startService(Map.of("REBOUND_DELIVERY_MX_PORT", String.valueOf(freePort())));
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"x@down.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "x@down.test");
        assertThat(r.get("state").asString()).isEqualTo("DEFERRED");
        assertThat(r.get("next_attempt_at").isNull()).isFalse();
        JsonNode a = r.get("attempts").get(0);
        assertThat(a.get("smtp_code").asInt()).isEqualTo(421);
        assertThat(a.get("enhanced_code").asString()).isEqualTo("4.4.1");
        assertThat(a.get("local").asBoolean()).isTrue();
        assertThat(a.get("mx_host").asString()).isEqualTo("mx2.down.test");
    }
}
