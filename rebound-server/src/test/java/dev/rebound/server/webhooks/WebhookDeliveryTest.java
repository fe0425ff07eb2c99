package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.WebhookReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Outbound webhooks end to end: the real service (HTTP intake, SQLite, scheduler, SMTP delivery to a FakeMx via
 * FakeDns) and a {@link WebhookReceiver} on a real socket that checks every request with the independent Standard
 * Webhooks library. The clock is a {@link MutableClock} starting at the real time (the library checks
 * {@code webhook-timestamp} against the system clock, ±5 min), advanced by the short retry schedules set here;
 * both the scheduler and the dispatcher are driven round by round, never by sleeping.
 */
class WebhookDeliveryTest {
    @TempDir Path dir;
    // 4 minutes behind the real time: SMTP retries (at least a minute each) move it forward within the ±5 min
    final MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofMinutes(4)).truncatedTo(ChronoUnit.SECONDS));
    FakeDns dns;
    FakeMx mx;
    ServiceHarness h;
    WebhookReceiver receiver;

    @BeforeEach
    void start() {
        dns = FakeDns.start();
        mx = FakeMx.start();
        receiver = WebhookReceiver.start();
        dns.mx("example.test", 10, "mx1.example.test").a("mx1.example.test", "127.0.0.1");
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (receiver != null) receiver.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    void startService(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port());
        env.put("REBOUND_DNS_TIMEOUT", "2s");
        env.put("REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()));
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_RETRY_SCHEDULE", "0s,1s,1s,1s,1s");
        env.put("REBOUND_WEBHOOKS_RETRY_SCHEDULE", "1s,1s,1s,1s,1s,1s,1s");
        env.put("REBOUND_WEBHOOKS_TIMEOUT", "5s");
        env.putAll(extra);
        h = ServiceHarness.withRealDelivery(dir, clock, false, env);
    }

    WebhookDispatcher dispatcher() {
        return h.service.webhooks().dispatcher();
    }

    /** Creates an endpoint through the API; returns {id, secret}. */
    String[] createEndpoint(String json) throws Exception {
        var r = h.post("/v1/webhooks", json);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
        return new String[] {r.json().get("id").asString(), r.json().get("secret").asString()};
    }

    String postMessage(String json) throws Exception {
        var r = h.post("/v1/messages", json);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    /**
     * Runs scheduler rounds, moving the clock to each next attempt, until no recipient waits (queue depth 0: the
     * store's next-due time may be a conservative bound, and moving the clock past the library's ±5 min window
     * would make it refuse the signatures).
     */
    void deliverAll() throws Exception {
        for (int i = 0; i < 20; i++) {
            h.service.scheduler().runOnce();
            if (h.service.store().queueStats().depth() == 0) return;
            var next = h.service.store().nextDueAt();
            if (next.isEmpty()) return;
            if (next.get().isAfter(clock.instant())) clock.advance(Duration.between(clock.instant(), next.get()));
        }
        throw new AssertionError("recipients still waiting after 20 rounds");
    }

    /** Runs dispatcher rounds, moving the clock to each next due delivery, until none is pending or due. */
    void dispatchAll() {
        for (int i = 0; i < 60; i++) {
            dispatcher().runOnce();
            var next = h.service.store().webhooks().nextDueAt();
            if (next.isEmpty()) return;
            if (next.get().isAfter(clock.instant())) clock.advance(Duration.between(clock.instant(), next.get()));
        }
        throw new AssertionError("webhook deliveries still pending after 60 rounds");
    }

    JsonNode deliveries(String endpoint) throws Exception {
        var r = h.get("/v1/webhooks/" + endpoint + "/deliveries?limit=1000");
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("deliveries");
    }

    @Test
    void everyEvent_signed_exactlyOnce_inPerRecipientOrder_despiteThreeFailures() throws Exception {
        // a: deferred then delivered, twice (two messages); b: hard bounce; c: delivered at once
        mx.script().replyOnce("RCPT TO:<a@example.test>", "451 4.2.1 mailbox busy, try later")
                .reply("RCPT TO:<b@example.test>", "550 5.1.1 <b@example.test>: Recipient address rejected: User unknown");
        // the provisional hold off: b's hard bounce suppresses at once, so its suppression event is among the events
        startService(Map.of("REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s"));
        String[] ep = createEndpoint("{\"url\":\"" + receiver.url() + "\",\"final_only\":false}");
        receiver.secrets(ep[1]).status(n -> n <= 3 ? 500 : 200);
        dispatcher().runOnce(); // the fan-out starts at the end of the outbox

        String m1 = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"a@example.test\",\"b@example.test\",\"c@example.test\"],\"subject\":\"one\",\"text\":\"x\"}");
        deliverAll();
        mx.script().replyOnce("RCPT TO:<a@example.test>", "450 4.2.1 busy now");
        String m2 = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"a@example.test\"],\"subject\":\"two\",\"text\":\"y\"}");
        deliverAll();
        dispatchAll();

        List<WebhookReceiver.Request> all = receiver.requests();
        assertThat(all).allSatisfy(q -> assertThat(q.verified()).as("request %d verifies with the library", q.number()).isTrue());
        assertThat(all.stream().filter(q -> q.status() == 500)).hasSize(3);

        // every event of the outbox that the endpoint subscribes to, exactly once with a 2xx
        JsonNode stored = deliveries(ep[0]);
        assertThat(stored).allSatisfy(d -> assertThat(d.get("state").asString()).isEqualTo("delivered"));
        Map<String, Long> seqOf = new LinkedHashMap<>();
        for (JsonNode d : stored) seqOf.put(d.get("webhook_id").asString(), d.get("seq").asLong());
        // accepted x2; a: deferred, delivered, deferred, delivered; b: bounced, then suppressed (the list entry); c: delivered
        assertThat(seqOf).hasSize(9);
        Map<String, Integer> times = new HashMap<>();
        for (var q : receiver.accepted()) times.merge(q.webhookId(), 1, Integer::sum);
        assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(seqOf.keySet());
        assertThat(times.values()).allMatch(n -> n == 1);

        // per-recipient order: the 2xx arrivals of each recipient follow the outbox order
        Map<String, List<Long>> byRecipient = new LinkedHashMap<>();
        for (var q : receiver.accepted())
            if (!q.recipient().isEmpty()) byRecipient.computeIfAbsent(q.recipient(), k -> new ArrayList<>()).add(seqOf.get(q.webhookId()));
        assertThat(byRecipient.get("a@example.test")).hasSize(4).isSorted();
        List<String> aTypes = receiver.accepted().stream().filter(q -> q.recipient().equals("a@example.test")).map(WebhookReceiver.Request::type).toList();
        assertThat(aTypes).containsExactly("deferred", "delivered", "deferred", "delivered");

        // bodies match the stored evidence
        for (var q : receiver.accepted()) {
            JsonNode data = q.json().get("data");
            assertThat(q.json().get("id").asString()).isEqualTo(q.webhookId());
            if (q.type().equals("accepted")) {
                assertThat(data.get("message_id").asString()).isIn(m1, m2);
                continue;
            }
            if (q.type().equals("suppressed")) { // the suppression list entry the bounce created, in the bounce's transaction
                assertThat(data.get("message_id").isNull()).isTrue();
                assertThat(data.get("recipient").asString()).isEqualTo("b@example.test");
                assertThat(data.get("stream").asString()).isEqualTo("transactional");
                assertThat(data.get("source").asString()).isEqualTo("policy");
                assertThat(data.get("rule_id").asString()).isEqualTo("suppress.hard.userunknown");
                assertThat(data.get("suppression").get("evidence_ref").asString()).isNotEmpty();
                continue;
            }
            JsonNode msg = h.get("/v1/messages/" + data.get("message_id").asString()).json();
            JsonNode rcpt = null;
            for (JsonNode r : msg.get("recipients")) if (r.get("id").asString().equals(data.get("recipient_id").asString())) rcpt = r;
            assertThat(rcpt).as("recipient of %s", q.body()).isNotNull();
            assertThat(data.get("recipient").asString()).isEqualTo(rcpt.get("address").asString());
            assertThat(data.get("stream").asString()).isEqualTo(msg.get("stream").asString());
            JsonNode attempt = rcpt.get("attempts").get(data.get("attempt").asInt() - 1);
            for (String f : List.of("smtp_code", "enhanced_code", "outcome", "reason", "phase", "decision", "decision_rule", "raw_reason"))
                assertThat(data.has(f) ? data.get(f) : data.get("details").get(f)).as("%s of %s", f, q.body()).isEqualTo(attempt.get(f));
            assertThat(data.get("rule_id")).isEqualTo(attempt.get("rule"));
            assertThat(data.get("recipient_domain").asString()).isEqualTo("example.test");
        }
        JsonNode bounced = receiver.accepted().stream().filter(q -> q.type().equals("bounced")).findFirst().orElseThrow().json().get("data");
        assertThat(bounced.get("reason").asString()).isEqualTo("userunknown");
        assertThat(bounced.get("suppression").get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(bounced.get("suppression").get("address").asString()).isEqualTo("b@example.test");

        // the delivery log shows the three failures with their status and response
        JsonNode log = h.get("/v1/webhooks/" + ep[0] + "/log?limit=100").json().get("attempts");
        assertThat(log).hasSize(12);
        assertThat(log.findValues("status_code").stream().filter(n -> n.asInt() == 500)).hasSize(3);
        assertThat(log.findValues("response").stream().map(JsonNode::asString)).anyMatch(s -> s.startsWith("failing on purpose"));

        // metrics: deliveries by result, pending and oldest pending age per endpoint
        String metrics = h.get("/metrics").raw().body();
        assertThat(metrics).contains("rebound_webhook_deliveries_total{result=\"delivered\"} 9.0")
                .contains("rebound_webhook_deliveries_total{result=\"retrying\"} 3.0")
                .contains("rebound_webhook_pending{endpoint=\"" + ep[0] + "\"}")
                .contains("rebound_webhook_oldest_pending_age_seconds{endpoint=\"" + ep[0] + "\"}");
    }

    @Test
    void finalOnly_deferredTwiceThenDelivered_givesOneEvent() throws Exception {
        mx.script().replyOnce("RCPT TO:<d@example.test>", "451 4.3.0 later");
        startService(Map.of());
        String[] ep = createEndpoint("{\"url\":\"" + receiver.url() + "\"}");
        receiver.secrets(ep[1]);
        dispatcher().runOnce();
        postMessage("{\"from\":\"app@sender.test\",\"to\":[\"d@example.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        mx.script().replyOnce("RCPT TO:<d@example.test>", "451 4.3.0 still later");
        deliverAll();
        dispatchAll();
        assertThat(receiver.requests()).hasSize(1);
        var q = receiver.requests().getFirst();
        assertThat(q.verified()).isTrue();
        assertThat(q.type()).isEqualTo("delivered");
        assertThat(q.json().get("data").get("attempt").asInt()).isEqualTo(3);
    }

    @Test
    void rotation_bothSignaturesVerify_thenTheOldStops() throws Exception {
        startService(Map.of());
        String[] ep = createEndpoint("{\"url\":\"" + receiver.url() + "\"}");
        String oldSecret = ep[1];
        var rot = h.post("/v1/webhooks/" + ep[0] + "/rotate", "{\"old_secret_valid_for\":\"2s\"}");
        assertThat(rot.status()).as(rot.raw().body()).isEqualTo(200);
        String newSecret = rot.json().get("secret").asString();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
        receiver.secrets(oldSecret, newSecret);
        dispatcher().runOnce();

        postMessage("{\"from\":\"app@sender.test\",\"to\":[\"r1@example.test\"],\"text\":\"x\"}");
        deliverAll();
        dispatchAll();
        var during = receiver.requests().getFirst();
        assertThat(during.signature().split(" ")).hasSize(2);
        assertThat(during.verifiedBy()).containsEntry(oldSecret, true).containsEntry(newSecret, true);

        clock.advance(Duration.ofSeconds(3));
        postMessage("{\"from\":\"app@sender.test\",\"to\":[\"r2@example.test\"],\"text\":\"x\"}");
        deliverAll();
        dispatchAll();
        var after = receiver.requests().getLast();
        assertThat(after.recipient()).isEqualTo("r2@example.test");
        assertThat(after.signature().split(" ")).hasSize(1);
        assertThat(after.verifiedBy()).containsEntry(oldSecret, false).containsEntry(newSecret, true);
    }

    @Test
    void disabledEndpoint_keepsItsEvents_reEnableAndReplayDeliversThem() throws Exception {
        startService(Map.of("REBOUND_WEBHOOKS_DISABLE_AFTER", "3s"));
        String[] ep = createEndpoint("{\"url\":\"" + receiver.url() + "\"}");
        receiver.secrets(ep[1]).status(n -> 503); // the application is down
        dispatcher().runOnce();
        Instant outageStart = clock.instant();
        for (int i = 0; i < 3; i++) postMessage("{\"from\":\"app@sender.test\",\"to\":[\"x" + i + "@example.test\"],\"text\":\"x\"}");
        deliverAll();
        dispatchAll(); // the endpoint fails every attempt for 3 s and is disabled; deliveries stay pending or fail

        JsonNode endpoint = h.get("/v1/webhooks/" + ep[0]).json();
        assertThat(endpoint.get("enabled").asBoolean()).isFalse();
        assertThat(endpoint.get("state_reason").asString()).contains("every delivery failed since").contains("HTTP 503");
        int failedRequests = receiver.requests().size();
        assertThat(failedRequests).isPositive();

        // while disabled, new events are kept, not sent
        postMessage("{\"from\":\"app@sender.test\",\"to\":[\"y@example.test\"],\"text\":\"x\"}");
        deliverAll();
        for (int i = 0; i < 3; i++) {
            dispatcher().runOnce();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(receiver.requests()).hasSize(failedRequests);
        assertThat(deliveries(ep[0])).hasSize(4);

        // the application is back: re-enable, replay the outage
        receiver.status(n -> 200);
        var patch = h.patch("/v1/webhooks/" + ep[0], "{\"enabled\":true}");
        assertThat(patch.status()).as(patch.raw().body()).isEqualTo(200);
        var replay = h.post("/v1/webhooks/" + ep[0] + "/replay", "{\"from\":\"" + outageStart + "\"}");
        assertThat(replay.status()).as(replay.raw().body()).isEqualTo(202);
        dispatchAll();
        List<String> got = receiver.accepted().stream().map(WebhookReceiver.Request::recipient).toList();
        assertThat(got).containsExactlyInAnyOrder("x0@example.test", "x1@example.test", "x2@example.test", "y@example.test");
        assertThat(deliveries(ep[0])).allSatisfy(d -> assertThat(d.get("state").asString()).isEqualTo("delivered"));
        assertThat(h.get("/v1/webhooks/" + ep[0]).json().get("failing_since").isNull()).isTrue();

        // redeliver one event on request: same webhook-id again
        String one = receiver.accepted().getFirst().webhookId();
        var again = h.post("/v1/webhooks/" + ep[0] + "/events/" + one + "/redeliver", "");
        assertThat(again.status()).as(again.raw().body()).isEqualTo(202);
        dispatchAll();
        assertThat(receiver.accepted().getLast().webhookId()).isEqualTo(one);
    }

    @Test
    void urlRule_httpOnlyToLoopback_andSecretShownOnce() throws Exception {
        startService(Map.of());
        var bad = h.post("/v1/webhooks", "{\"url\":\"http://192.0.2.10/hook\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asString()).isEqualTo("url");
        assertThat(bad.json().get("message").asString()).contains("http://").contains("192.0.2.10");
        var ok = h.post("/v1/webhooks", "{\"url\":\"https://192.0.2.10/hook\",\"event_types\":[\"bounced\"]}");
        assertThat(ok.status()).isEqualTo(201);
        assertThat(ok.json().get("secret").asString()).startsWith("whsec_");
        var got = h.get("/v1/webhooks/" + ok.json().get("id").asString());
        assertThat(got.json().has("secret")).isFalse();
        assertThat(h.get("/v1/webhooks").json().get("endpoints")).hasSize(1);
        var nonFinal = h.post("/v1/webhooks", "{\"url\":\"https://192.0.2.10/hook\",\"event_types\":[\"deferred\"]}");
        assertThat(nonFinal.status()).isEqualTo(400);
        assertThat(h.delete("/v1/webhooks/" + ok.json().get("id").asString()).status()).isEqualTo(204);
        assertThat(h.get("/v1/webhooks").json().get("endpoints")).isEmpty();
    }
}
