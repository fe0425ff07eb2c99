package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.SmtpWire;
import dev.rebound.server.testing.TestPostgres;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The whole service on the PostgreSQL store (store.url jdbc:postgresql:, user and password from the environment as
 * an operator sets them): mail submitted over HTTP and SMTP is delivered to the MX, a refused recipient is bounced
 * and suppressed, the message views read it all back, and a restarted service on the same database finds it again.
 */
class T20_PostgresStoreTest extends ScenarioBase {
    private final TestPostgres pg = TestPostgres.freshSchema();

    @AfterEach
    void dropSchema() {
        if (h != null) h.close();
        h = null;
        pg.close();
    }

    private Map<String, String> onPostgres() {
        return Map.of("REBOUND_STORE_URL", pg.url(), "REBOUND_STORE_USER", pg.user(), "REBOUND_STORE_PASSWORD", pg.password());
    }

    @Test
    void httpAndSmtpMail_isDeliveredAndRecorded_inPostgres() throws Exception {
        domainWithMx("example.test");
        mx.script().reply("RCPT TO:<gone@example.test>", "550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown");
        startService(onPostgres());
        assertThat(h.service.store().location()).startsWith("jdbc:postgresql:").contains(pg.schema()).doesNotContain(pg.password() + "@");

        String httpId = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"alice@example.test\",\"gone@example.test\"],"
                + "\"subject\":\"code\",\"text\":\"123456\"}");
        var replay = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"carol@example.test\"],\"text\":\"once\"}",
                "Idempotency-Key", "t20-1");
        assertThat(replay.status()).isEqualTo(202);
        var again = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"carol@example.test\"],\"text\":\"once\"}",
                "Idempotency-Key", "t20-1");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("id").asString()).isEqualTo(replay.json().get("id").asString());

        String raw = "From: app@sender.test\r\nTo: bob@example.test\r\nSubject: receipt\r\nMessage-ID: <t20@sender.test>\r\n\r\nthanks\r\n";
        String reply;
        try (var w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO app.sender.test\r\n");
            w.send("MAIL FROM:<app@sender.test>\r\n");
            w.send("RCPT TO:<bob@example.test>\r\n");
            w.send("DATA\r\n");
            reply = w.send(raw + ".\r\n");
        }
        Matcher m = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$").matcher(reply);
        assertThat(m.matches()).as(reply).isTrue();
        String smtpId = m.group(1);
        assertThat(h.get("/v1/queue").json().get("depth").asInt()).isEqualTo(4);

        assertThat(h.service.scheduler().runOnce()).isEqualTo(4);

        assertThat(mx.received()).extracting(r -> r.recipients().getFirst())
                .containsExactlyInAnyOrder("alice@example.test", "carol@example.test", "bob@example.test");
        assertThat(mx.received()).filteredOn(r -> r.recipients().contains("bob@example.test")).singleElement()
                .satisfies(r -> assertThat(r.text()).isEqualTo(raw));
        assertThat(recipient(httpId, "alice@example.test").get("state").asString()).isEqualTo("DELIVERED");
        JsonNode gone = recipient(httpId, "gone@example.test");
        assertThat(gone.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(gone.get("reason").asString()).isEqualTo("userunknown");
        JsonNode bob = recipient(smtpId, "bob@example.test");
        assertThat(bob.get("state").asString()).isEqualTo("DELIVERED");
        assertThat(bob.get("attempts").get(0).get("smtp_code").asInt()).isEqualTo(250);
        // example.test is too quiet for the breaker to judge: a provisional review, suppressed when its hold ends
        assertThat(h.service.store().suppression("gone@example.test", "transactional")).isEmpty();
        clock.advance(java.time.Duration.ofMinutes(15));
        assertThat(h.service.provisional().runOnce().suppressed()).isEqualTo(1);
        assertThat(h.service.store().suppression("gone@example.test", "transactional")).hasValueSatisfying(s ->
                assertThat(s.evidenceRef()).isEqualTo(gone.get("attempts").get(0).get("id").asString()));
        assertThat(h.get("/v1/queue").json().get("depth").asInt()).isZero();
        assertThat(h.get("/healthz").status()).isEqualTo(200);

        // A new process on the same database: everything committed is there, the suppression holds.
        h.close();
        h = null;
        startService(onPostgres());
        assertThat(recipient(smtpId, "bob@example.test").get("state").asString()).isEqualTo("DELIVERED");
        var blocked = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"gone@example.test\"],\"text\":\"y\"}");
        assertThat(blocked.json().get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(h.service.scheduler().runOnce()).isZero();
    }
}
