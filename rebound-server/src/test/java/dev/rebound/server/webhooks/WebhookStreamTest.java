package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.WebhookReceiver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The webhook stream with the service's own loops running (the scheduler delivering to a FakeMx, the dispatcher
 * sending to a {@link WebhookReceiver} on a real socket, verified by the independent Standard Webhooks library):
 * many recipients with several events each, while the application refuses every third request. A refused event
 * leaves its lane for a delivery row and the events of its recipient queued behind it follow as rows; the others
 * go on in their lanes. Every event arrives exactly once (no crash here, so no repeat is allowed) and, per
 * recipient, in outbox order.
 */
class WebhookStreamTest {
    private static final int RECIPIENTS = 12;
    private static final int ROUNDS = 4;
    @TempDir Path dir;
    FakeDns dns;
    FakeMx mx;
    WebhookReceiver receiver;
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (receiver != null) receiver.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    @Test
    void refusedEventsBecomeRows_theirRecipientsLaterEventsWait_othersGoOn_everyEventOnceInOrder() throws Exception {
        dns = FakeDns.start();
        mx = FakeMx.start();
        receiver = WebhookReceiver.start();
        dns.mx("stream.test", 10, "mx1.stream.test").a("mx1.stream.test", "127.0.0.1");
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port());
        env.put("REBOUND_DNS_TIMEOUT", "2s");
        env.put("REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()));
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_SCHEDULER_POLL_INTERVAL", "50ms");
        env.put("REBOUND_WEBHOOKS_POLL_INTERVAL", "50ms");
        env.put("REBOUND_WEBHOOKS_RETRY_SCHEDULE", String.join(",", java.util.Collections.nCopies(30, "200ms")));
        env.put("REBOUND_WEBHOOKS_TIMEOUT", "10s");
        h = ServiceHarness.withRealDelivery(dir, Clock.systemUTC(), true, env);
        var created = h.post("/v1/webhooks", "{\"url\":\"" + receiver.url() + "\",\"final_only\":false}");
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        String endpoint = created.json().get("id").asString();
        receiver.secrets(created.json().get("secret").asString()).status(n -> n % 3 == 0 ? 503 : 200);

        for (int round = 0; round < ROUNDS; round++)
            for (int i = 0; i < RECIPIENTS; i++) {
                var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"r" + i + "@stream.test\"],\"subject\":\"s"
                        + round + "\",\"text\":\"x\"}");
                assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
            }
        int events = 2 * RECIPIENTS * ROUNDS; // accepted (per message) and delivered (per recipient)
        // every event's 2xx received and its result committed (a result is recorded a moment after its 2xx)
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode d = h.get("/v1/webhooks/" + endpoint + "/deliveries?limit=1000").json().get("deliveries");
            if (d.size() != events) return false;
            for (JsonNode x : d) if (!x.get("state").asString().equals("delivered")) return false;
            return true;
        });
        JsonNode stored = h.get("/v1/webhooks/" + endpoint + "/deliveries?limit=1000").json().get("deliveries");
        Map<String, Long> seqOf = new LinkedHashMap<>();
        for (JsonNode d : stored) {
            assertThat(d.get("state").asString()).as(d.toString()).isEqualTo("delivered");
            seqOf.put(d.get("webhook_id").asString(), d.get("seq").asLong());
        }
        assertThat(seqOf).hasSize(events);

        List<WebhookReceiver.Request> all = receiver.requests();
        assertThat(all).allSatisfy(q -> assertThat(q.verified()).as("request %d verifies with the library", q.number()).isTrue());
        assertThat(all.stream().filter(q -> q.status() == 503)).as("refusals happened").hasSizeGreaterThanOrEqualTo(events / 3);
        Map<String, Integer> times = new HashMap<>();
        for (var q : receiver.accepted()) times.merge(q.webhookId(), 1, Integer::sum);
        assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(seqOf.keySet());
        assertThat(times.values()).as("exactly once").allMatch(n -> n == 1);

        Map<String, List<Long>> byRecipient = new LinkedHashMap<>();
        for (var q : receiver.accepted())
            if (!q.recipient().isEmpty()) byRecipient.computeIfAbsent(q.recipient(), k -> new ArrayList<>()).add(seqOf.get(q.webhookId()));
        assertThat(byRecipient).hasSize(RECIPIENTS);
        assertThat(byRecipient.values()).allSatisfy(seqs -> assertThat(seqs).hasSize(ROUNDS).isSorted());
        // the refused events were retried from rows; the rest needed none (their log rows stand for them)
        var log = h.get("/v1/webhooks/" + endpoint + "/log?limit=1000").json();
        assertThat(log.toString()).contains("503");
    }
}
