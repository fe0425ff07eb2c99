package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The suppression list through the HTTP API, fed by the real scheduler and store: the domain circuit breaker's
 * counts, reviews, the audit trail and safe removal.
 */
class SuppressionApiTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    final ScriptedAgent agent = new ScriptedAgent(clock);
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private String post(List<String> to) throws Exception {
        var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":" + ServiceHarness.JSON.writeValueAsString(to) + ",\"text\":\"x\"}");
        assertThat(r.status()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    /** {@code n} recipients of {@code domain} whose mailboxes do not exist, sent and bounced. */
    private List<String> hardFail(String domain, int n) throws Exception {
        List<String> to = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = "gone" + i + "@" + domain;
            agent.on(a, SmtpReply.of(550, "5.1.1 no such user"));
            to.add(a);
        }
        post(to);
        h.service.scheduler().runOnce();
        return to;
    }

    private JsonNode get(String path) throws Exception {
        var r = h.get(path);
        assertThat(r.status()).as(path + " " + r.raw().body()).isEqualTo(200);
        return r.json();
    }

    private HttpResponse<String> delete(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The provisional hold off: a hard bounce suppresses at once wherever it happens (for tests about what follows). */
    static final Map<String, String> NO_HOLD = Map.of("REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s");

    @Test
    void breakerOpen_aNewUserUnknownIsReviewedNotSuppressed_andTheWindowCloses() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        hardFail("bad.test", 20);
        // each failure was decided before bad.test had 20 recipients in the window: provisional reviews, none suppressed
        assertThat(get("/v1/suppressions?stream=transactional&state=SUPPRESSED").get("count").asInt()).isZero();
        assertThat(get("/v1/suppressions?stream=transactional&state=REVIEW&limit=100").get("suppressions"))
                .hasSize(20).allSatisfy(e -> assertThat(e.get("rule").asString()).isEqualTo("suppress.provisional.hard"));

        // 20 of 20 recipients of bad.test failed within the hour: the breaker is open for the next one.
        agent.on("new@bad.test", SmtpReply.of(550, "5.1.1 no such user"));
        String id = post(List.of("new@bad.test"));
        h.service.scheduler().runOnce();
        assertThat(h.service.store().message(id).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.BOUNCED_HARD);
        JsonNode review = get("/v1/suppressions/transactional/new@bad.test");
        assertThat(review.get("address").asString()).isEqualTo("new@bad.test");
        assertThat(review.get("state").asString()).isEqualTo("REVIEW");
        assertThat(review.get("rule").asString()).isEqualTo("suppress.breaker.hard");
        assertThat(review.get("reason").asString()).isEqualTo("userunknown");
        assertThat(review.get("evidence_ref").asString()).isNotEmpty();
        assertThat(review.get("expires_at").isNull()).isTrue();
        // ...and the message's own view shows it on the recipient.
        JsonNode onMessage = get("/v1/messages/" + id).get("recipients").get(0).get("suppression");
        assertThat(onMessage.get("state").asString()).isEqualTo("REVIEW");
        assertThat(onMessage.get("rule").asString()).isEqualTo("suppress.breaker.hard");
        assertThat(onMessage.get("evidence_ref").asString()).isEqualTo(review.get("evidence_ref").asString());
        // A review does not block: the next message to the address is queued.
        String again = post(List.of("new@bad.test"));
        assertThat(h.service.store().message(again).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.QUEUED);
        h.service.scheduler().runOnce();

        // Another domain with few failures: too few recipients for the breaker to judge, a 5.1.1 is a provisional review...
        hardFail("small.test", 3);
        agent.on("x@small.test", SmtpReply.of(550, "5.1.1 no such user"));
        post(List.of("x@small.test"));
        h.service.scheduler().runOnce();
        assertThat(get("/v1/suppressions/transactional/x@small.test").get("rule").asString()).isEqualTo("suppress.provisional.hard");
        // ...until the hold ends: small.test's are suppressed, bad.test's stay reviews (the breaker's)
        clock.advance(Duration.ofMinutes(15));
        var swept = h.service.provisional().runOnce();
        assertThat(swept.suppressed()).isEqualTo(4);
        assertThat(swept.reviewed()).isEqualTo(20);
        JsonNode x = get("/v1/suppressions/transactional/x@small.test");
        assertThat(x.get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(x.get("rule").asString()).isEqualTo("suppress.hard.userunknown");
        assertThat(get("/v1/suppressions?domain=bad.test&state=REVIEW&limit=100").get("suppressions"))
                .hasSize(21).allSatisfy(e -> assertThat(e.get("rule").asString()).isEqualTo("suppress.breaker.hard"));

        // Once the hour has passed the bad.test failures are out of the window: the breaker closes (and the domain is
        // again too quiet to judge: a provisional review, suppressed when its hold ends)
        clock.advance(Duration.ofMinutes(61));
        agent.on("later@bad.test", SmtpReply.of(550, "5.1.1 no such user"));
        post(List.of("later@bad.test"));
        h.service.scheduler().runOnce();
        assertThat(get("/v1/suppressions/transactional/later@bad.test").get("rule").asString()).isEqualTo("suppress.provisional.hard");
        clock.advance(Duration.ofMinutes(15));
        assertThat(h.service.provisional().runOnce().suppressed()).isEqualTo(1);
        assertThat(get("/v1/suppressions/transactional/later@bad.test").get("state").asString()).isEqualTo("SUPPRESSED");
    }

    @Test
    void removal_needsAReason_isAudited_andLiftsTheSuppression() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, NO_HOLD);
        hardFail("one.test", 1);
        String path = "/v1/suppressions/transactional/gone0@one.test";
        JsonNode entry = get(path);
        assertThat(entry.get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(entry.get("expires_at").asString()).isEqualTo(clock.instant().plus(Duration.ofDays(365)).toString());
        assertThat(entry.get("audit")).singleElement().satisfies(a -> {
            assertThat(a.get("action").asString()).isEqualTo("created");
            assertThat(a.get("actor").asString()).isEqualTo("policy");
            assertThat(a.get("note").asString()).isEqualTo("suppress.hard.userunknown");
        });
        // Suppressed: a new message to it is not sent.
        assertThat(h.service.store().message(post(List.of("gone0@one.test"))).orElseThrow().recipients().getFirst().state())
                .isEqualTo(RecipientState.SUPPRESSED);

        var noReason = delete(path, "");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("\"field\":\"reason\"");
        assertThat(delete(path, "{\"reason\":\"  \"}").statusCode()).isEqualTo(400);
        assertThat(get(path).get("state").asString()).as("still there after refused removals").isEqualTo("SUPPRESSED");

        clock.advance(Duration.ofMinutes(5));
        var ok = delete(path, "{\"reason\":\"customer fixed the mailbox, ticket 1234\",\"actor\":\"alice\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode removed = ServiceHarness.JSON.readTree(ok.body());
        assertThat(removed.get("suppression").get("rule").asString()).isEqualTo("suppress.hard.userunknown");
        assertThat(removed.get("audit")).hasSize(2);
        JsonNode last = removed.get("audit").get(1);
        assertThat(last.get("action").asString()).isEqualTo("removed");
        assertThat(last.get("actor").asString()).isEqualTo("alice (api)");
        assertThat(last.get("note").asString()).isEqualTo("customer fixed the mailbox, ticket 1234");
        assertThat(last.get("at").asString()).isEqualTo(clock.instant().toString());

        var gone = h.get(path);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("audit")).hasSize(2);
        assertThat(delete(path, "{\"reason\":\"again\"}").statusCode()).isEqualTo(404);
        assertThat(h.service.store().message(post(List.of("gone0@one.test"))).orElseThrow().recipients().getFirst().state())
                .isEqualTo(RecipientState.QUEUED);
    }

    @Test
    void list_filtersAndValidates() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        hardFail("one.test", 3);
        assertThat(get("/v1/suppressions").get("count").asInt()).isEqualTo(3);
        assertThat(get("/v1/suppressions?address=GONE1@one.test").get("suppressions")).singleElement()
                .satisfies(s -> assertThat(s.get("address").asString()).isEqualTo("gone1@one.test"));
        assertThat(get("/v1/suppressions?stream=marketing").get("count").asInt()).isZero();
        assertThat(get("/v1/suppressions?limit=2").get("count").asInt()).isEqualTo(2);
        assertThat(h.get("/v1/suppressions?state=GONE").status()).isEqualTo(400);
        assertThat(h.get("/v1/suppressions?limit=0").status()).isEqualTo(400);
    }

    @Test
    void queue_depthOldestAgeAndStates() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        JsonNode empty = get("/v1/queue");
        assertThat(empty.get("depth").asLong()).isZero();
        assertThat(empty.get("oldest_age_seconds").asLong()).isZero();
        post(List.of("a@one.test", "b@two.test"));
        clock.advance(Duration.ofSeconds(90));
        post(List.of("c@one.test"));
        JsonNode q = get("/v1/queue");
        assertThat(q.get("depth").asLong()).isEqualTo(3);
        assertThat(q.get("oldest_age_seconds").asLong()).isEqualTo(90);
        assertThat(q.get("by_state").get("QUEUED").asLong()).isEqualTo(3);
        assertThat(q.get("by_state").get("DELIVERED").asLong()).isZero();
        h.service.scheduler().runOnce();
        q = get("/v1/queue");
        assertThat(q.get("depth").asLong()).isZero();
        assertThat(q.get("by_state").get("DELIVERED").asLong()).isEqualTo(3);
    }
}
