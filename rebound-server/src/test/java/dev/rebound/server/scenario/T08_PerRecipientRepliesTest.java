package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class T08_PerRecipientRepliesTest extends ScenarioBase {
    @Test
    void oneTransaction_threeRecipients_threeFates() throws Exception {
        domainWithMx("example.test");
        mx.script().reply("RCPT TO:<a@example.test>", "550 5.1.1 no such user")
                .reply("RCPT TO:<b@example.test>", "452 4.2.2 mailbox full");
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"a@example.test\",\"b@example.test\",\"c@example.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        assertThat(recipient(id, "a@example.test").get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(recipient(id, "b@example.test").get("state").asString()).isEqualTo("DEFERRED");
        assertThat(recipient(id, "b@example.test").get("attempts").get(0).get("enhanced_code").asString()).isEqualTo("4.2.2");
        assertThat(recipient(id, "c@example.test").get("state").asString()).isEqualTo("DELIVERED");
        assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("c@example.test"));
        assertThat(mx.connections()).isEqualTo(1);
    }
}
