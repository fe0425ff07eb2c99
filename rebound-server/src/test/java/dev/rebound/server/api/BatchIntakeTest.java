package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.access.ApiKeys;
import dev.rebound.server.access.Scope;
import dev.rebound.server.store.StoreFaults;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/messages/batch} against the real service (HTTP on a real socket, the real SQLite store): one result
 * per message in order, an invalid message refused alone, idempotency per message (retry, conflict, a key repeated
 * inside one batch), the limits, the send scope, and a store failure that stores none of the batch.
 */
class BatchIntakeTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private static final String MIXED = """
            [{"from":"app@example.org","to":["a@example.com","b@example.com"],"text":"one","idempotency_key":"order-1"},
             {"from":"app@example.org","to":["not-an-address"],"text":"two","idempotency_key":"order-2"},
             {"mail_from":"bounces@example.org","rcpt_to":["c@example.net"],"raw":"Subject: three\\r\\n\\r\\nbody\\r\\n",
              "idempotency_key":"order-3"},
             "not an object",
             {"from":"app@example.org","to":["d@example.com"],"text":"five"}]""";

    @Test
    void mixedBatch_validMessagesCommittedTogether_invalidOnesRefusedAlone_inOrder() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        var r = h.post("/v1/messages/batch", MIXED);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("accepted").asInt()).isEqualTo(3);
        assertThat(j.get("replayed").asInt()).isZero();
        assertThat(j.get("refused").asInt()).isEqualTo(2);
        JsonNode res = j.get("results");
        assertThat(res).hasSize(5);
        for (int i = 0; i < 5; i++) assertThat(res.get(i).get("index").asInt()).isEqualTo(i);
        assertThat(statuses(res)).containsExactly(202, 400, 202, 400, 202);
        assertThat(res.get(1).get("error").asString()).isEqualTo("invalid_request");
        assertThat(res.get(1).get("field").asString()).isEqualTo("to[0]");
        assertThat(res.get(1).get("value").asString()).isEqualTo("not-an-address");
        assertThat(res.get(3).get("field").asString()).isEqualTo("body[3]");
        assertThat(res.get(0).get("recipients")).extracting(n -> n.get("address").asString())
                .containsExactly("a@example.com", "b@example.com");
        // Every accepted message is committed (read back through the store and the API), and nothing else.
        for (int i : List.of(0, 2, 4)) {
            String id = res.get(i).get("id").asString();
            assertThat(h.service.store().content(id)).as("message %d", i).isPresent();
            assertThat(h.get("/v1/messages/" + id).status()).isEqualTo(200);
        }
        assertThat(new String(h.service.store().content(res.get(2).get("id").asString()).orElseThrow().raw(), StandardCharsets.UTF_8))
                .contains("Subject: three\r\n\r\nbody\r\n").startsWith("Message-ID: <");
        assertThat(h.service.store().queueStats().depth()).isEqualTo(4);
    }

    @Test
    void retriedBatch_replaysEachKeyedMessage_keyReusedForAnotherMessageConflicts() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        JsonNode first = h.post("/v1/messages/batch", MIXED).json().get("results");
        // The client did not see the answer and sends the same batch again (other white space): the keyed messages
        // are replayed with their first ids; the one without a key is a new message, as for POST /v1/messages.
        var again = h.post("/v1/messages/batch", MIXED.replace("\n", "\n  ").replace(",\"", ", \""));
        assertThat(again.status()).isEqualTo(200);
        JsonNode res = again.json().get("results");
        assertThat(statuses(res)).containsExactly(200, 400, 200, 400, 202);
        assertThat(again.json().get("replayed").asInt()).isEqualTo(2);
        assertThat(again.json().get("accepted").asInt()).isEqualTo(1);
        for (int i : List.of(0, 2)) {
            assertThat(res.get(i).get("replayed").asBoolean()).isTrue();
            assertThat(res.get(i).get("id").asString()).isEqualTo(first.get(i).get("id").asString());
            assertThat(res.get(i).get("recipients")).isEqualTo(first.get(i).get("recipients"));
        }
        assertThat(res.get(4).get("id").asString()).isNotEqualTo(first.get(4).get("id").asString());
        assertThat(h.service.store().queueStats().depth()).isEqualTo(5);

        // A key reused for another message: 409 for that message only; a key repeated inside one batch: the second
        // message is checked against the first (same message: replayed; the batch stores it once).
        var mixedKeys = h.post("/v1/messages/batch", """
                [{"from":"app@example.org","to":["a@example.com"],"text":"changed","idempotency_key":"order-1"},
                 {"from":"app@example.org","to":["e@example.com"],"text":"six","idempotency_key":"order-6"},
                 {"from":"app@example.org","to":["e@example.com"],"text":"six","idempotency_key":"order-6"},
                 {"from":"app@example.org","to":["f@example.com"],"text":"seven","idempotency_key":"order-6"}]""");
        res = mixedKeys.json().get("results");
        assertThat(statuses(res)).containsExactly(409, 202, 200, 409);
        assertThat(res.get(0).get("error").asString()).isEqualTo("idempotency_conflict");
        assertThat(res.get(0).get("field").asString()).isEqualTo("idempotency_key");
        assertThat(res.get(0).get("message_id").asString()).isEqualTo(first.get(0).get("id").asString());
        assertThat(res.get(2).get("id").asString()).isEqualTo(res.get(1).get("id").asString());
        assertThat(res.get(3).get("message_id").asString()).isEqualTo(res.get(1).get("id").asString());
        assertThat(h.service.store().queueStats().depth()).isEqualTo(6);
    }

    @Test
    void limits_bodyShapeCountHeaderAndSize() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_HTTP_MAX_BODY_SIZE", "64KB"));
        String one = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}";
        assertError(h.post("/v1/messages/batch", one), "body");
        assertError(h.post("/v1/messages/batch", "[]"), "body");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 501; i++) many.add(one);
        var tooMany = h.post("/v1/messages/batch", "[" + String.join(",", many) + "]");
        assertError(tooMany, "body");
        assertThat(tooMany.json().get("message").asString()).contains("at most 500");
        assertError(h.post("/v1/messages/batch", "[" + one + "]", "Idempotency-Key", "k"), "Idempotency-Key");
        var badKey = h.post("/v1/messages/batch", "[{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\",\"idempotency_key\":\"has space\"}]");
        assertThat(badKey.json().get("results").get(0).get("field").asString()).isEqualTo("idempotency_key");
        String big = "[" + ("{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"" + "x".repeat(20_000) + "\"},").repeat(4) + one + "]";
        assertThat(h.post("/v1/messages/batch", big).status()).isEqualTo(413);
        // 500 messages are one batch
        List<String> five = new ArrayList<>();
        for (int i = 0; i < 500; i++) five.add("{\"from\":\"app@example.org\",\"to\":[\"r" + i + "@example.com\"],\"text\":\"x\"}");
        var full = h.post("/v1/messages/batch", "[" + String.join(",", five) + "]");
        assertThat(full.status()).isEqualTo(200);
        assertThat(full.json().get("accepted").asInt()).isEqualTo(500);
        assertThat(h.service.store().queueStats().depth()).isEqualTo(500);
    }

    @Test
    void sameScopeAsSingleMessageIntake() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        ApiKeys keys = new ApiKeys(h.service.store(), List.of(), clock);
        String send = keys.create("app", Set.of(Scope.SEND), 0, 1).key();
        String read = keys.create("dashboard", Set.of(Scope.READ), 0, 1).key();
        String batch = "[{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}]";
        assertThat(h.post("/v1/messages/batch", batch).status()).isEqualTo(401);
        var forbidden = h.post("/v1/messages/batch", batch, "Authorization", "Bearer " + read);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().get("value").asString()).isEqualTo("send");
        assertThat(h.post("/v1/messages/batch", batch, "Authorization", "Bearer " + send).status()).isEqualTo(200);
        assertThat(h.service.store().queueStats().depth()).isEqualTo(1);
    }

    @Test
    void storeFailure_503ForTheWholeBatch_noneOfItStored() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        assertThat(h.post("/v1/messages/batch", MIXED).status()).isEqualTo(200);
        long before = h.service.store().queueStats().depth();
        StoreFaults.limitPages(h.service.store(), 0);
        String large = "[" + ("{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"" + "y".repeat(30_000) + "\"},").repeat(9)
                + "{\"from\":\"app@example.org\",\"to\":[\"b@example.com\"],\"text\":\"z\",\"idempotency_key\":\"later\"}]";
        var refused = h.post("/v1/messages/batch", large);
        assertThat(refused.status()).as(refused.raw().body()).isEqualTo(503);
        assertThat(refused.raw().headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.json().get("error").asString()).isEqualTo("store_unavailable");
        StoreFaults.unlimitPages(h.service.store());
        assertThat(h.service.store().queueStats().depth()).isEqualTo(before);
        // nothing of the refused batch was kept: its key is free, the same batch is now accepted in full
        var retried = h.post("/v1/messages/batch", large);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(statuses(retried.json().get("results"))).containsOnly(202).hasSize(10);
        assertThat(h.service.store().queueStats().depth()).isEqualTo(before + 10);
    }

    private static List<Integer> statuses(JsonNode results) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode n : results) out.add(n.get("status").asInt());
        return out;
    }

    private static void assertError(ServiceHarness.Response r, String field) {
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).isEqualTo("invalid_request");
        assertThat(r.json().get("field").asString()).isEqualTo(field);
        assertThat(r.json().get("message").asString()).isNotBlank();
    }
}
