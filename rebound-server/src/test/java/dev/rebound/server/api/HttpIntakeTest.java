package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.store.MessageContent;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class HttpIntakeTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @BeforeEach
    void start() {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void post_composed_202AfterCommitWithRecipientIds() throws Exception {
        var r = h.post("/v1/messages", """
                {"from":"App <app@example.org>","to":["Bob <bob@example.com>"],"cc":["carol@example.net"],"bcc":["dave@example.com"],
                 "subject":"Ünïcode subject","text":"hello\\n.dot line","html":"<p>hello</p>","headers":{"X-Tag":"t1"}}""");
        assertThat(r.status()).isEqualTo(202);
        JsonNode j = r.json();
        String id = j.get("id").asString();
        assertThat(j.get("recipients")).hasSize(3);
        assertThat(j.get("recipients").get(0).get("address").asString()).isEqualTo("bob@example.com");
        assertThat(j.get("recipients").get(0).get("state").asString()).isEqualTo("QUEUED");
        // Committed: the store has it, with the composed bytes.
        MessageContent m = h.service.store().content(id).orElseThrow();
        String raw = new String(m.raw(), StandardCharsets.US_ASCII);
        assertThat(m.mailFrom()).isEqualTo("app@example.org");
        assertThat(raw).contains("From: \"App\" <app@example.org>\r\n", "Cc: carol@example.net\r\n", "X-Tag: t1\r\n",
                "Subject: =?UTF-8?B?", "Content-Type: multipart/alternative; boundary=", "Message-ID: <", "@rebound.test>\r\n",
                "Date: Sun, 1 Mar 2026 10:00:00 GMT\r\n", "\r\n=2Edot line");
        assertThat(raw).doesNotContain("dave@example.com").doesNotContain("\n\n").doesNotContainPattern("[^\r]\n");
    }

    @Test
    void post_raw_keptVerbatim() throws Exception {
        String raw = "From: a@example.org\r\nSubject: raw\r\nMessage-ID: <raw-1@example.org>\r\n\r\nbody\r\n";
        var r = h.post("/v1/messages", "{\"mail_from\":\"bounces@example.org\",\"rcpt_to\":[\"x@example.com\"],\"raw_base64\":\""
                + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8)) + "\"}");
        assertThat(r.status()).isEqualTo(202);
        String id = r.json().get("id").asString();
        assertThat(h.service.store().content(id).orElseThrow().raw()).isEqualTo(raw.getBytes(StandardCharsets.UTF_8));
        var view = h.get("/v1/messages/" + id).json();
        assertThat(view.get("message_id_header").asString()).isEqualTo("<raw-1@example.org>");
        assertThat(view.get("mail_from").asString()).isEqualTo("bounces@example.org");
    }

    @Test
    void post_invalid_400NamesFieldAndValue() throws Exception {
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"ok@example.com\",\"not-an-address\"],\"text\":\"x\"}"),
                "to[1]", "not-an-address");
        assertError(h.post("/v1/messages", "{\"to\":[\"ok@example.com\"],\"text\":\"x\"}"), "from", null);
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"text\":\"x\"}"), "to", null);
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"]}"), "text", null);
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\",\"stream\":\"Bad Stream\"}"), "stream", "Bad Stream");
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\",\"headers\":{\"Subject\":\"y\"}}"), "headers.Subject", "Subject");
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\",\"headers\":{\"X-A\":\"a\\r\\nBcc: evil@example.com\"}}"), "headers.X-A", null);
        assertError(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\",\"subjekt\":\"typo\"}"), "subjekt", null);
        assertError(h.post("/v1/messages", "{\"mail_from\":\"b@example.org\",\"rcpt_to\":[\"a@example.com\",\"@bad\"],\"raw\":\"x\"}"), "rcpt_to[1]", "@bad");
        assertError(h.post("/v1/messages", "{\"mail_from\":\"b@example.org\",\"rcpt_to\":[\"a@example.com\"]}"), "raw", null);
        assertError(h.post("/v1/messages", "not json"), "body", null);
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void post_tooBig_400NamesSize() throws Exception {
        h.close();
        h = new ServiceHarness(dir.resolve("b"), clock, new ScriptedAgent(clock), false, Map.of("REBOUND_SMTP_MAX_MESSAGE_SIZE", "2KB"));
        String big = "x".repeat(4000);
        var r = h.post("/v1/messages", "{\"mail_from\":\"b@example.org\",\"rcpt_to\":[\"a@example.com\"],\"raw\":\"" + big + "\"}");
        assertError(r, "raw", "4000 bytes");
        assertThat(r.json().get("message").asString()).contains("2048 bytes", "smtp.max-message-size");
    }

    private static void assertError(ServiceHarness.Response r, String field, String value) {
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).isEqualTo("invalid_request");
        assertThat(r.json().get("field").asString()).isEqualTo(field);
        if (value != null) assertThat(r.json().get("value").asString()).isEqualTo(value);
        assertThat(r.json().get("message").asString()).isNotBlank();
    }

    @Test
    void post_idempotencyKey_sameBodyReplays_otherBodyConflicts() throws Exception {
        String body = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}";
        var first = h.post("/v1/messages", body, "Idempotency-Key", "order-42");
        var again = h.post("/v1/messages", body, "Idempotency-Key", "order-42");
        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.raw().headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(again.json()).isEqualTo(first.json());
        var other = h.post("/v1/messages", body.replace("\"x\"", "\"y\""), "Idempotency-Key", "order-42");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.json().get("error").asString()).isEqualTo("idempotency_conflict");
        assertThat(other.json().get("message_id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(h.service.store().queueStats().depth()).isEqualTo(1);
    }

    @Test
    void post_sameKeyConcurrently_storesOneMessage() throws Exception {
        String body = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"race\"}";
        var statuses = new java.util.concurrent.ConcurrentLinkedQueue<Integer>();
        var ids = new java.util.concurrent.ConcurrentSkipListSet<String>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) pool.submit(() -> {
                var r = h.post("/v1/messages", body, "Idempotency-Key", "race-1");
                statuses.add(r.status());
                ids.add(r.json().get("id").asString());
                return null;
            });
        }
        assertThat(statuses).hasSize(16).containsOnly(202, 200);
        assertThat(statuses.stream().filter(s -> s == 202)).hasSize(1);
        assertThat(ids).hasSize(1);
        assertThat(h.service.store().queueStats().depth()).isEqualTo(1);
    }

    @Test
    void healthz_showsQueueState() throws Exception {
        h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}");
        var r = h.get("/healthz").json();
        assertThat(r.get("queue_depth").asLong()).isEqualTo(1);
        assertThat(r.get("oldest_due_at").asString()).isEqualTo("2026-03-01T10:00:00Z");
    }

    @Test
    void get_unknown_404() throws Exception {
        var r = h.get("/v1/messages/nope");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("field").asString()).isEqualTo("id");
    }

    @Test
    void apiKeys_requireBearer() throws Exception {
        h.close();
        String key = "k-0123456789abcdef";
        h = new ServiceHarness(dir.resolve("k"), clock, new ScriptedAgent(clock), false, Map.of("REBOUND_API_KEYS", key));
        String body = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}";
        assertThat(h.post("/v1/messages", body).status()).isEqualTo(401);
        assertThat(h.post("/v1/messages", body, "Authorization", "Bearer wrong-key-000000000").status()).isEqualTo(401);
        var ok = h.post("/v1/messages", body, "Authorization", "Bearer " + key);
        assertThat(ok.status()).isEqualTo(202);
        assertThat(h.get("/v1/messages/" + ok.json().get("id").asString()).status()).isEqualTo(401);
        assertThat(h.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void metrics_exposeQueueDepth() throws Exception {
        h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}");
        var r = h.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().body()).contains("rebound_queue_depth 1.0");
    }
}
