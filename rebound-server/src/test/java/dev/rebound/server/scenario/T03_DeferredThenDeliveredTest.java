package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class T03_DeferredThenDeliveredTest extends ScenarioBase {
    @Test
    void tempFailure_isRetriedWhenTheClockReachesTheNextAttempt() throws Exception {
        domainWithMx("example.test");
        mx.script().replyOnce(".", "451 4.3.0 try again later");
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"carol@example.test\"],\"text\":\"x\"}");

        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "carol@example.test");
        assertThat(r.get("state").asString()).isEqualTo("DEFERRED");
        Instant next = Instant.parse(r.get("next_attempt_at").asString());
        assertThat(next).isAfterOrEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        JsonNode first = r.get("attempts").get(0);
        assertThat(first.get("smtp_code").asInt()).isEqualTo(451);
        assertThat(first.get("enhanced_code").asString()).isEqualTo("4.3.0");
        assertThat(first.get("reply_lines").get(0).asString()).isEqualTo("4.3.0 try again later");
        assertThat(first.get("phase").asString()).isEqualTo("END_OF_DATA");
        assertThat(first.get("decision").asString()).isEqualTo("DEFERRED");
        assertThat(r.get("planned_attempts").size()).isEqualTo(4);
        assertThat(r.get("planned_attempts").get(0).get("at").asString()).isEqualTo(next.toString());

        // Not due yet: nothing is attempted.
        assertThat(h.service.scheduler().runOnce()).isZero();
        clock.advance(Duration.between(clock.instant(), next));
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);

        r = recipient(id, "carol@example.test");
        assertThat(r.get("state").asString()).isEqualTo("DELIVERED");
        assertThat(r.get("attempt_count").asInt()).isEqualTo(2);
        assertThat(r.get("attempts").get(1).get("smtp_code").asInt()).isEqualTo(250);
        assertThat(mx.received()).hasSize(1);
    }
}
