package dev.rebound.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The running service receives every fixture of {@code fixtures/provider-events} over HTTP with its stored headers,
 * the clock set to the fixture's signing time: authentic ones are stored once (a second post is a duplicate),
 * invalid ones are refused 4xx and store nothing; the evidence is read back through the API.
 */
class ProviderWebhooksHttpTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2016-01-27T14:00:00Z"));
    ServiceHarness h;
    ScriptedAgent agent;

    @BeforeEach
    void start() {
        agent = new ScriptedAgent(clock);
        h = new ServiceHarness(dir, clock, agent, false, env(), ProviderFixtures.certificates());
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private ServiceHarness.Response post(String file) throws Exception {
        Instant at = ProviderFixtures.signedAt(file).plusSeconds(30);
        clock.advance(Duration.between(clock.instant(), at));
        return h.postBytes("/v1/providers/" + ProviderFixtures.provider(file) + "/events", ProviderFixtures.bytes(file),
                ProviderFixtures.headers(file));
    }

    private JsonNode address(String a) throws Exception {
        var r = h.get("/v1/addresses/" + URLEncoder.encode(a, StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    /** The providers' settings, and the provisional hold off: a hard bounce here suppresses at once (these tests are about the events). */
    private static java.util.Map<String, String> env() {
        var env = new java.util.HashMap<>(ProviderFixtures.env());
        env.put("REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s");
        return env;
    }

    @Test
    void everyFixture_storedOnce_readBack_invalidRefusedAndNothingStored() throws Exception {
        List<ProviderFixtures.Row> rows = ProviderFixtures.rows();
        Set<String> files = new LinkedHashSet<>();
        rows.forEach(r -> files.add(r.file()));
        Map<String, List<ProviderFixtures.Row>> byAddress = new HashMap<>();
        for (ProviderFixtures.Row r : rows)
            if (!r.outcome().equals("REJECT") && !r.recipient().isEmpty()) byAddress.computeIfAbsent(r.recipient().toLowerCase(), k -> new ArrayList<>()).add(r);

        for (String file : files) {
            boolean reject = rows.stream().anyMatch(r -> r.file().equals(file) && r.outcome().equals("REJECT"));
            long expected = rows.stream().filter(r -> r.file().equals(file)).count();
            var first = post(file);
            if (reject) {
                assertThat(first.status()).as("%s: %s", file, first.raw().body()).isEqualTo(401);
                assertThat(first.json().get("error").asString()).isEqualTo("unauthentic");
                assertThat(first.json().get("message").asString()).isNotBlank();
                continue;
            }
            assertThat(first.status()).as("%s: %s", file, first.raw().body()).isEqualTo(200);
            assertThat(first.json().get("events").asInt()).as(file).isEqualTo((int) expected);
            assertThat(first.json().get("stored").asInt()).as(file).isEqualTo((int) expected);
            for (ProviderFixtures.Row row : rows) {
                if (!row.file().equals(file)) continue;
                JsonNode res = first.json().get("results").get(row.index() - 1);
                assertThat(res.get("recipient").asString()).isEqualTo(row.recipient());
                if (row.outcome().equals("IGNORE")) assertThat(res.get("outcome").isNull()).as("%s", row).isTrue();
                else assertThat(res.get("outcome").asString()).as("%s", row).isEqualTo(row.outcome());
            }
            var again = post(file);
            if (file.startsWith("mailgun/")) {
                // Mailgun's signature token is single-use: the second post is refused as a replay, nothing stored.
                assertThat(again.status()).as(again.raw().body()).isEqualTo(409);
                assertThat(again.json().get("error").asString()).isEqualTo("replayed");
            } else {
                assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
                assertThat(again.json().get("stored").asInt()).isZero();
                assertThat(again.json().get("duplicates").asInt()).isEqualTo((int) expected);
                for (JsonNode r : again.json().get("results")) assertThat(r.get("duplicate").asBoolean()).isTrue();
            }
        }

        // Read back: each address has exactly one piece of evidence per expected row, with the row's outcome and reason.
        for (var e : byAddress.entrySet()) {
            JsonNode ev = address(e.getKey()).get("evidence");
            assertThat(ev).as("evidence of %s", e.getKey()).hasSize(e.getValue().size());
            List<String> got = new ArrayList<>();
            for (JsonNode n : ev) got.add(n.get("outcome").asString("IGNORE") + "/" + n.get("reason").asString(""));
            List<String> want = new ArrayList<>();
            for (var r : e.getValue()) want.add(r.outcome() + "/" + r.reason());
            assertThat(got).as("outcomes of %s", e.getKey()).containsExactlyInAnyOrderElementsOf(want);
            for (JsonNode n : ev) {
                assertThat(n.get("matched_by").asString()).isEqualTo("none");
                assertThat(n.get("stream").asString()).isEqualTo("transactional");
                assertThat(n.get("rule").asString()).startsWith("event.");
                assertThat(n.get("payload").isObject()).as("raw payload kept").isTrue();
            }
        }
        // The tampered SES file is bounce-permanent-general.json with bounceType edited: jane has only the authentic rows.
        // A hard bounce for a gone mailbox suppresses the address for the default stream, with the evidence as proof
        // (SparkPost is posted last, so its suppression is still running on the clock; the 2016 SES ones have expired).
        JsonNode bounce = address("bounce@example.com");
        assertThat(bounce.get("suppressions")).singleElement().satisfies(s -> {
            assertThat(s.get("stream").asString()).isEqualTo("transactional");
            assertThat(s.get("rule").asString()).isEqualTo("suppress.hard.userunknown");
            assertThat(s.get("evidence_ref").asString()).isEqualTo(bounce.get("evidence").get(0).get("id").asString());
        });

        var subs = h.get("/v1/providers/ses/subscriptions");
        assertThat(subs.json().get("subscriptions")).singleElement().satisfies(s -> {
            assertThat(s.get("topic_arn").asString()).isEqualTo(ProviderFixtures.TOPIC);
            assertThat(s.get("subscribe_url").asString()).startsWith("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription");
        });
        String metrics = h.get("/metrics").raw().body();
        assertThat(metrics).contains("rebound_webhook_rejections_total{problem=\"UNAUTHENTIC\",provider=\"ses\"} 1.0");
    }

    @Test
    void lateHardBounceAfterDelivered_matchedByMessageId_changesOutcomeAndSuppresses() throws Exception {
        String file = "ses/bounce-permanent-general.json";
        clock.advance(Duration.between(clock.instant(), ProviderFixtures.signedAt(file).minusSeconds(600)));
        String raw = "From: john@example.com\r\nTo: jane@example.com\r\nMessage-ID: <custom-message-ID>\r\nSubject: Hello\r\n\r\nhi\r\n";
        var accepted = h.post("/v1/messages", ServiceHarness.JSON.createObjectNode().put("mail_from", "john@example.com")
                .put("raw", raw).set("rcpt_to", ServiceHarness.JSON.createArrayNode().add("jane@example.com")).toString());
        assertThat(accepted.status()).as(accepted.raw().body()).isEqualTo(202);
        String id = accepted.json().get("id").asString();
        agent.on("jane@example.com", SmtpReply.of(250, "2.0.0 Ok: queued"));
        h.service.scheduler().runOnce();
        assertThat(h.get("/v1/messages/" + id).json().get("recipients").get(0).get("state").asString()).isEqualTo("DELIVERED");

        var r = post(file);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        JsonNode res = r.json().get("results").get(0);
        assertThat(res.get("matched_by").asString()).isEqualTo("message-id-header");
        assertThat(res.get("state").asString()).isEqualTo("BOUNCED_HARD");

        JsonNode rcpt = h.get("/v1/messages/" + id).json().get("recipients").get(0);
        assertThat(rcpt.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(rcpt.get("reason").asString()).isEqualTo("userunknown");
        assertThat(rcpt.get("rule").asString()).isEqualTo("evidence.late-failure");
        assertThat(rcpt.get("attempts")).hasSize(1);
        JsonNode ev = rcpt.get("evidence").get(0);
        assertThat(ev.get("source").asString()).isEqualTo("provider");
        assertThat(ev.get("provider").asString()).isEqualTo("ses");
        assertThat(ev.get("provider_event").asString()).isEqualTo("Bounce/Permanent/General");
        assertThat(ev.get("enhanced_code").asString()).isEqualTo("5.1.1");
        assertThat(ev.get("raw_reason").asString()).contains("550 5.1.1");
        assertThat(ev.get("suppression_rule").asString()).isEqualTo("suppress.hard.userunknown");
        assertThat(h.service.store().suppression("jane@example.com", "transactional"))
                .hasValueSatisfying(s -> assertThat(s.evidenceRef()).isEqualTo(ev.get("id").asString()));

        // The provider's retry of the same notification changes nothing.
        var retry = post(file);
        assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(h.get("/v1/messages/" + id).json().get("recipients").get(0).get("evidence")).hasSize(1);
        // The next message to jane on this stream is suppressed at intake.
        var next = h.post("/v1/messages", "{\"from\":\"john@example.com\",\"to\":[\"jane@example.com\"],\"text\":\"x\"}");
        assertThat(next.json().get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");
    }

    @Test
    void refusals_areCountedAndStoreNothing() throws Exception {
        String file = "sendgrid/events-batch.json";
        // stale: the real-time clock is far past the signed timestamp
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-11-01T00:00:00Z")));
        var stale = h.postBytes("/v1/providers/sendgrid/events", ProviderFixtures.bytes(file), ProviderFixtures.headers(file));
        assertThat(stale.status()).as(stale.raw().body()).isEqualTo(400);
        assertThat(stale.json().get("error").asString()).isEqualTo("stale");
        // not JSON, with valid Basic credentials
        var junk = h.postBytes("/v1/providers/postmark/events", "not json".getBytes(StandardCharsets.UTF_8),
                ProviderFixtures.headers("postmark/delivery.json"));
        assertThat(junk.status()).isEqualTo(400);
        assertThat(junk.json().get("error").asString()).isEqualTo("malformed");
        // wrong credentials
        var noAuth = h.postBytes("/v1/providers/sparkpost/events", ProviderFixtures.bytes("sparkpost/events-batch.json"),
                Map.of("Authorization", "Basic d3Jvbmc6d3Jvbmc="));
        assertThat(noAuth.status()).isEqualTo(401);
        var unknown = h.postBytes("/v1/providers/mandrill/events", "{}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("message").asString()).contains("ses, sendgrid, postmark, mailgun, sparkpost");

        for (String a : List.of("alex@example.com", "recipient@example.com", "bounce@example.com"))
            assertThat(address(a).get("evidence")).isEmpty();
        assertThat(h.service.store().evidenceOfEvent("bounce/bounce/Invalid Address", 10)).isEmpty();
        String metrics = h.get("/metrics").raw().body();
        assertThat(metrics).contains("rebound_webhook_rejections_total{problem=\"STALE\",provider=\"sendgrid\"} 1.0");
        assertThat(metrics).contains("rebound_webhook_rejections_total{problem=\"MALFORMED\",provider=\"postmark\"} 1.0");
    }

    @Test
    void mailgunToken_stillRefusedAfterRestartOnTheSameStore_nothingStoredTwice() throws Exception {
        String file = "mailgun/failed-permanent.json";
        var first = post(file);
        assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
        assertThat(first.json().get("stored").asInt()).isPositive();
        String recipient = first.json().get("results").get(0).get("recipient").asString();
        int evidenceBefore = address(recipient).get("evidence").size();

        // A new service on the same SQLite file: the in-memory state is gone, the token row is not.
        h.close();
        h = new ServiceHarness(dir, clock, agent, false, env(), ProviderFixtures.certificates());
        var again = post(file);
        assertThat(again.status()).as(again.raw().body()).isEqualTo(409);
        assertThat(again.json().get("error").asString()).isEqualTo("replayed");
        assertThat(address(recipient).get("evidence")).hasSize(evidenceBefore);
    }

    /** Issue 9, finding 5: a correctly signed Mailgun request whose event-data is junk is refused 400 and keeps its token. */
    @Test
    void mailgunJunkEventData_refused400_andTheTokenIsNotSpent() throws Exception {
        String file = "mailgun/failed-permanent.json";
        tools.jackson.databind.node.ObjectNode junk = (tools.jackson.databind.node.ObjectNode) ServiceHarness.JSON.readTree(ProviderFixtures.bytes(file));
        junk.put("event-data", "junk");
        Instant at = ProviderFixtures.signedAt(file).plusSeconds(30);
        clock.advance(Duration.between(clock.instant(), at));
        var refused = h.postBytes("/v1/providers/mailgun/events", junk.toString().getBytes(StandardCharsets.UTF_8), ProviderFixtures.headers(file));
        assertThat(refused.status()).as(refused.raw().body()).isEqualTo(400);
        assertThat(refused.json().get("error").asString()).isEqualTo("malformed");
        var corrected = post(file);
        assertThat(corrected.status()).as("the provider's retry with the same token: " + corrected.raw().body()).isEqualTo(200);
        assertThat(post(file).status()).as("then the token is spent").isEqualTo(409);
    }

    /** Issue 9, finding 5: a refusal's log line never carries the request's raw control bytes. */
    @Test
    void refusedWebhookLogsEscapeControlBytes() throws Exception {
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.rebound.server.api.ProviderRoutes");
        logger.addAppender(appender);
        try {
            String file = "mailgun/failed-permanent.json";
            tools.jackson.databind.node.ObjectNode forged = (tools.jackson.databind.node.ObjectNode) ServiceHarness.JSON.readTree(ProviderFixtures.bytes(file));
            ((tools.jackson.databind.node.ObjectNode) forged.get("signature")).put("token", "tok\u0000en\u001b[2J\r\nFAKE LOG LINE");
            Instant at = ProviderFixtures.signedAt(file).plusSeconds(30);
            clock.advance(Duration.between(clock.instant(), at));
            var r = h.postBytes("/v1/providers/mailgun/events", forged.toString().getBytes(StandardCharsets.UTF_8), ProviderFixtures.headers(file));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("message").asString()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
            assertThat(appender.list).isNotEmpty().allSatisfy(e -> assertThat(e.getFormattedMessage())
                    .contains("tok\\x00en\\x1b").doesNotContainPattern("[\\x00-\\x1f\\x7f]"));
        } finally {
            logger.detachAppender(appender);
        }
    }
}
