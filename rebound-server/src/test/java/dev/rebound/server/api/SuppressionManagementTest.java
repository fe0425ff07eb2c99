package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.policy.SuppressionConfig;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.decide.EvidenceDecider;
import dev.rebound.server.decide.Suppressions;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.access.ApiKeys;
import dev.rebound.server.access.Scope;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionState;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Suppression management through the HTTP API on the real service and store: manual add, filters and the keyset
 * cursor, the evidence behind an entry, the complaint guardrail (force + admin), the review queue, held mail released
 * once, and the outbox events each change writes in its transaction.
 */
class SuppressionManagementTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    final ScriptedAgent agent = new ScriptedAgent(clock);
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private String post(String to, String... headers) throws Exception {
        var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"" + to + "\"],\"text\":\"x\"}", headers);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    private JsonNode ok(ServiceHarness.Response r) {
        assertThat(r.status()).as(r.raw().body()).isBetween(200, 201);
        return r.json();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The outbox rows written since the last call (a consumer cursor of its own). */
    private List<WebhookStore.OutboxEvent> newEvents() {
        List<WebhookStore.OutboxEvent> e = h.service.store().webhooks().outboxAfter("suppression-test", 10_000);
        if (!e.isEmpty()) h.service.store().webhooks().moveCursor("suppression-test", e.getLast().seq());
        return e;
    }

    private List<String> newEventTypes() {
        return newEvents().stream().map(WebhookStore.OutboxEvent::type).filter(t -> t.startsWith("suppression.")).toList();
    }

    @Test
    void manualAdd_filters_cursorPages_andAPolicyEntryShowsTheAttemptThatCausedIt() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, SuppressionApiTest.NO_HOLD);
        newEvents();
        agent.on("gone@policy.test", SmtpReply.of(550, "5.1.1 no such user"));
        post("gone@policy.test");
        h.service.scheduler().runOnce();
        assertThat(newEventTypes()).containsExactly("suppression.created");

        JsonNode shown = ok(h.get("/v1/suppressions/transactional/gone@policy.test"));
        assertThat(shown.get("origin").asString()).isEqualTo("policy");
        assertThat(shown.get("evidence")).singleElement().satisfies(e -> {
            assertThat(e.get("kind").asString()).isEqualTo("attempt");
            assertThat(e.get("ref").asString()).isEqualTo(shown.get("evidence_ref").asString());
            assertThat(e.get("address").asString()).isEqualTo("gone@policy.test");
            assertThat(e.get("attempt").get("smtp_code").asInt()).isEqualTo(550);
            assertThat(e.get("attempt").get("reply_lines").get(0).asString()).isEqualTo("5.1.1 no such user");
            assertThat(e.get("attempt").get("rule").asString()).isNotEmpty();
        });

        // manual add: origin manual, the reason kept as note and in the one audit row
        clock.advance(Duration.ofMinutes(1));
        assertThat(h.post("/v1/suppressions", "{\"address\":\"hand@manual.test\"}").json().get("field").asString()).isEqualTo("reason");
        assertThat(h.post("/v1/suppressions", "{\"address\":\"not an address\",\"reason\":\"x\"}").status()).isEqualTo(400);
        JsonNode added = ok(h.post("/v1/suppressions", "{\"address\":\"Hand@Manual.test\",\"reason\":\"asked by phone, ticket 7\",\"actor\":\"bob\"}"));
        assertThat(added.get("address").asString()).isEqualTo("hand@manual.test");
        assertThat(added.get("origin").asString()).isEqualTo("manual");
        assertThat(added.get("reason").asString()).isEqualTo("manual");
        assertThat(added.get("note").asString()).isEqualTo("asked by phone, ticket 7");
        assertThat(added.get("expires_at").isNull()).isTrue();
        assertThat(added.get("audit")).singleElement().satisfies(a -> {
            assertThat(a.get("action").asString()).isEqualTo("created");
            assertThat(a.get("actor").asString()).isEqualTo("bob (api)");
        });
        var again = h.post("/v1/suppressions", "{\"address\":\"hand@manual.test\",\"reason\":\"twice\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asString()).isEqualTo("already_listed");
        assertThat(newEventTypes()).containsExactly("suppression.created");
        // a manual entry blocks intake like any other
        assertThat(h.service.store().message(post("hand@manual.test")).orElseThrow().recipients().getFirst().state())
                .isEqualTo(RecipientState.SUPPRESSED);

        // filters
        assertThat(ok(h.get("/v1/suppressions?origin=manual")).get("suppressions")).singleElement()
                .satisfies(s -> assertThat(s.get("address").asString()).isEqualTo("hand@manual.test"));
        assertThat(ok(h.get("/v1/suppressions?origin=policy&reason=userunknown&domain=POLICY.test")).get("count").asInt()).isEqualTo(1);
        assertThat(ok(h.get("/v1/suppressions?domain=other.test")).get("count").asInt()).isZero();
        assertThat(ok(h.get("/v1/suppressions?created_after=" + enc(clock.instant().minusSeconds(30).toString()))).get("count").asInt()).isEqualTo(1);
        assertThat(ok(h.get("/v1/suppressions?created_before=" + enc(clock.instant().minusSeconds(30).toString()))).get("count").asInt()).isEqualTo(1);
        assertThat(ok(h.get("/v1/suppressions?expires_before=" + enc(clock.instant().plus(Duration.ofDays(400)).toString()))).get("suppressions"))
                .singleElement().satisfies(s -> assertThat(s.get("origin").asString()).isEqualTo("policy"));
        assertThat(h.get("/v1/suppressions?origin=robot").status()).isEqualTo(400);
        assertThat(h.get("/v1/suppressions?created_after=yesterday").json().get("field").asString()).isEqualTo("created_after");
        assertThat(h.get("/v1/suppressions?cursor=nonsense!").json().get("field").asString()).isEqualTo("cursor");

        // cursor pages: every entry once, whatever the page size
        for (int i = 0; i < 7; i++) ok(h.post("/v1/suppressions", "{\"address\":\"p" + i + "@page.test\",\"reason\":\"bulk\"}"));
        Set<String> seen = new HashSet<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ok(h.get("/v1/suppressions?limit=3" + (cursor == null ? "" : "&cursor=" + enc(cursor))));
            sizes.add(page.get("count").asInt());
            for (JsonNode s : page.get("suppressions")) assertThat(seen.add(s.get("address").asString())).isTrue();
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asString();
        } while (cursor != null);
        assertThat(seen).hasSize(9);
        assertThat(sizes).containsExactly(3, 3, 3);
    }

    @Test
    void complaint_removalWithoutForceIsRefusedSayingWhy_forceNeedsTheAdminScope() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        // a provider's complaint event, stored and decided by the service's own deciders: the policy suppresses (suppress.complaint)
        String evidenceId = h.service.store().recordEvidence(List.of(new NewEvidence("postmark:spam-1:fbl@x.test", "provider", "postmark",
                "SpamComplaint", "pm-1", "", Optional.empty(), Optional.empty(), "fbl@x.test", Optional.of("transactional"), 0, "",
                "the recipient marked the message as spam", Optional.of(Outcome.COMPLAINT), "feedback", "event.postmark.spamcomplaint",
                Optional.of(clock.instant()), "{\"RecordType\":\"SpamComplaint\"}")), "transactional",
                new EvidenceDecider(new Suppressions(SuppressionConfig.defaults()))).getFirst().evidenceId();
        JsonNode complaint = ok(h.get("/v1/suppressions/transactional/fbl@x.test"));
        assertThat(complaint.get("rule").asString()).isEqualTo("suppress.complaint");
        assertThat(complaint.get("complaint").asBoolean()).isTrue();
        assertThat(complaint.get("evidence")).singleElement().satisfies(e -> {
            assertThat(e.get("kind").asString()).isEqualTo("provider");
            assertThat(e.get("ref").asString()).isEqualTo(evidenceId);
            assertThat(e.get("evidence").get("provider_event").asString()).isEqualTo("SpamComplaint");
            assertThat(e.get("evidence").get("payload").get("RecordType").asString()).isEqualTo("SpamComplaint");
        });
        ApiKeys keys = new ApiKeys(h.service.store(), List.of(), clock);
        String[] ops = {"Authorization", "Bearer " + keys.create("ops", Set.of(Scope.SUPPRESSIONS), 0, 1).key()};
        ApiKeys.Issued adminKey = keys.create("root", Set.of(Scope.ADMIN), 0, 1);
        String[] admin = {"Authorization", "Bearer " + adminKey.key()};
        String path = "/v1/suppressions/transactional/fbl@x.test";
        newEvents();

        var refused = h.deleteJson(path, "{\"reason\":\"user wants mail again\"}", ops);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("error").asString()).isEqualTo("complaint_needs_force");
        assertThat(refused.json().get("message").asString()).contains("records the recipient's complaint").contains("Nothing was removed")
                .contains("\"force\": true").contains("admin scope");
        var forcedWithoutAdmin = h.deleteJson(path, "{\"reason\":\"user wants mail again\",\"force\":true}", ops);
        assertThat(forcedWithoutAdmin.status()).isEqualTo(403);
        assertThat(forcedWithoutAdmin.json().get("value").asString()).isEqualTo("admin");
        assertThat(ok(h.get(path, ops)).get("audit")).hasSize(1);
        assertThat(newEventTypes()).isEmpty();

        JsonNode removed = ok(h.deleteJson(path, "{\"reason\":\"re-subscribed on 2026-05-01, form 42\",\"force\":true}", admin));
        assertThat(removed.get("removed").asBoolean()).isTrue();
        assertThat(removed.get("audit")).hasSize(2);
        assertThat(removed.get("audit").get(1).get("action").asString()).isEqualTo("removed");
        assertThat(removed.get("audit").get(1).get("actor").asString()).isEqualTo("api-key:" + adminKey.record().id());
        assertThat(newEventTypes()).containsExactly("suppression.removed");
    }

    @Test
    void reviewQueue_approveAndReject_eachWriteOneAuditRowAndOneEvent() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        newEvents();
        for (String a : List.of("r1@breaker.test", "r2@breaker.test"))
            h.service.store().suppress(new Suppression(a, "transactional", "userunknown", "suppress.breaker.hard", clock.instant(),
                    Optional.empty(), "", SuppressionState.REVIEW));
        assertThat(newEventTypes()).containsExactly("suppression.review", "suppression.review");
        JsonNode queue = ok(h.get("/v1/suppressions/review"));
        assertThat(queue.get("count").asInt()).isEqualTo(2);
        assertThat(h.get("/v1/suppressions/review?state=SUPPRESSED").status()).isEqualTo(400);

        String p1 = "/v1/suppressions/transactional/r1@breaker.test", p2 = "/v1/suppressions/transactional/r2@breaker.test";
        assertThat(h.post(p1 + "/approve", "{}").json().get("field").asString()).isEqualTo("reason");
        JsonNode approved = ok(h.post(p1 + "/approve", "{\"reason\":\"checked: mailbox gone\",\"expires_at\":\"2027-05-01T00:00:00Z\"}"));
        assertThat(approved.get("suppression").get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(approved.get("suppression").get("expires_at").asString()).isEqualTo("2027-05-01T00:00:00Z");
        assertThat(approved.get("audit")).hasSize(2);
        assertThat(approved.get("audit").get(1).get("action").asString()).isEqualTo("approved");
        assertThat(approved.get("audit").get(1).get("note").asString()).isEqualTo("checked: mailbox gone");
        var twice = h.post(p1 + "/approve", "{\"reason\":\"again\"}");
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.json().get("error").asString()).isEqualTo("not_in_review");
        assertThat(ok(h.get(p1)).get("audit")).hasSize(2);

        JsonNode rejected = ok(h.post(p2 + "/reject", "{\"reason\":\"the domain had an outage\"}"));
        assertThat(rejected.get("rejected").asBoolean()).isTrue();
        assertThat(rejected.get("audit")).hasSize(2);
        assertThat(rejected.get("audit").get(1).get("action").asString()).isEqualTo("rejected");
        assertThat(h.get(p2).status()).isEqualTo(404);
        assertThat(h.post(p2 + "/reject", "{\"reason\":\"again\"}").status()).isEqualTo(404);
        assertThat(ok(h.get("/v1/suppressions/review")).get("count").asInt()).isZero();
        assertThat(newEventTypes()).containsExactly("suppression.created", "suppression.removed");
    }

    @Test
    void heldMail_reasonVisible_releasedOnceWithinTheWindow() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        h.service.store().suppress(new Suppression("held@x.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(),
                Optional.empty(), ""));
        String old = post("held@x.test");
        clock.advance(Duration.ofHours(73));
        String young = post("held@x.test");
        JsonNode r = ok(h.get("/v1/messages/" + young)).get("recipients").get(0);
        assertThat(r.get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(r.get("reason").asString()).isEqualTo("userunknown");
        assertThat(r.get("rule").asString()).isEqualTo("suppression.suppress.hard.userunknown");
        assertThat(h.service.scheduler().runOnce()).isZero();

        JsonNode removed = ok(h.deleteJson("/v1/suppressions/transactional/held@x.test", "{\"reason\":\"mailbox back\"}"));
        assertThat(removed.get("released").asInt()).as("the message inside the 72 h window").isEqualTo(1);
        assertThat(ok(h.get("/v1/messages/" + young)).get("recipients").get(0).get("released_at").asString()).isEqualTo(clock.instant().toString());
        assertThat(ok(h.get("/v1/messages/" + old)).get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        // a retried removal, and a second suppression removed again, send nothing more
        assertThat(h.deleteJson("/v1/suppressions/transactional/held@x.test", "{\"reason\":\"mailbox back\"}").status()).isEqualTo(404);
        ok(h.post("/v1/suppressions", "{\"address\":\"held@x.test\",\"reason\":\"again\"}"));
        assertThat(ok(h.deleteJson("/v1/suppressions/transactional/held@x.test", "{\"reason\":\"again\"}")).get("released").asInt()).isZero();
        assertThat(h.service.scheduler().runOnce()).isZero();
        assertThat(agent.requests).hasSize(1);
        assertThat(ok(h.get("/v1/messages/" + young)).get("recipients").get(0).get("state").asString()).isEqualTo("DELIVERED");
    }

    @Test
    void heldMail_theReleaseWakesTheScheduler() throws Exception {
        // the scheduler's loop runs but polls only hourly: the held message goes out only if the release wakes it
        h = new ServiceHarness(dir, clock, agent, true, Map.of("REBOUND_SCHEDULER_POLL_INTERVAL", "1h"));
        h.service.store().suppress(new Suppression("wake@x.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(),
                Optional.empty(), ""));
        String held = post("wake@x.test");
        assertThat(ok(h.deleteJson("/v1/suppressions/transactional/wake@x.test", "{\"reason\":\"back\"}")).get("released").asInt()).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> agent.requests.size() == 1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                h.service.store().message(held).orElseThrow().recipients().getFirst().state() == RecipientState.DELIVERED);
    }

    @Test
    void importCsvAndJsonl_everyLineAccountedFor_exportRoundTrips() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        String csv = String.join("\r\n",
                "address,stream,reason,expires_at,note",
                "a@imp.test,,userunknown,,from the old ESP",
                "\"b@imp.test\",marketing,feedback,2030-01-01T00:00:00Z,\"complaint, via FBL\"",
                "",
                "not-an-address,,,,",
                "c@imp.test,,,yesterday,",
                "d@imp.test,,,,\"unclosed",
                "e@imp.test,too,many,fields,here,!",
                "a@imp.test,,userunknown,,duplicate line",
                "f@imp.test,,,,", "x".repeat(5000), "g@imp.test,,,,last") + "\r\n";
        newEvents();
        var r = h.postBytes("/v1/suppressions/import?format=csv", csv.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "text/csv"));
        JsonNode report = ok(r);
        assertThat(newEventTypes()).as("an import sends no webhook events unless asked").isEmpty();
        assertThat(report.get("events").asInt()).isZero();
        assertThat(report.get("lines").asInt()).isEqualTo(12);
        assertThat(report.get("header").asInt()).isEqualTo(1);
        assertThat(report.get("imported").asInt()).isEqualTo(4);
        assertThat(report.get("already_listed").asInt()).isEqualTo(1);
        assertThat(report.get("blank").asInt()).isEqualTo(1);
        assertThat(report.get("failed").asInt()).isEqualTo(5);
        assertThat(report.get("errors").findValues("line").stream().map(JsonNode::asInt)).containsExactly(5, 6, 7, 8, 11);
        assertThat(report.get("errors").get(0).get("error").asString()).contains("not-an-address");
        assertThat(report.get("errors").get(1).get("error").asString()).contains("expires_at 'yesterday'");
        assertThat(report.get("errors").get(4).get("error").asString()).contains("longer than 4096 bytes");
        JsonNode b = ok(h.get("/v1/suppressions/marketing/b@imp.test"));
        assertThat(b.get("origin").asString()).isEqualTo("import");
        assertThat(b.get("note").asString()).isEqualTo("complaint, via FBL");
        assertThat(b.get("complaint").asBoolean()).isTrue();
        assertThat(b.get("audit")).singleElement().satisfies(a -> assertThat(a.get("action").asString()).isEqualTo("imported"));
        assertThat(h.postBytes("/v1/suppressions/import?format=csv", "email,stream\r\nx@y.test,a\r\n".getBytes(StandardCharsets.UTF_8), Map.of())
                .json().get("message").asString()).contains("column 'email'");

        JsonNode bom = ok(h.postBytes("/v1/suppressions/import?format=csv", "\uFEFFaddress\r\nbom@imp.test\r\n".getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(bom.get("imported").asInt()).as("a UTF-8 byte order mark before the header is not part of it").isEqualTo(1);
        h.deleteJson("/v1/suppressions/transactional/bom@imp.test", "{\"reason\":\"test entry\"}");

        String jsonl = "{\"address\":\"j1@imp.test\",\"state\":\"REVIEW\"}\n{\"address\":\"j2@imp.test\",\"bogus\":1}\n[1]\n{\"address\":\"j3@imp.test\",\"stream\":\"marketing\"}";
        JsonNode jr = ok(h.postBytes("/v1/suppressions/import?format=jsonl", jsonl.getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(jr.get("imported").asInt()).isEqualTo(2);
        assertThat(jr.get("errors").findValues("line").stream().map(JsonNode::asInt)).containsExactly(2, 3);
        assertThat(ok(h.get("/v1/suppressions/review")).get("suppressions")).singleElement()
                .satisfies(s -> assertThat(s.get("address").asString()).isEqualTo("j1@imp.test"));

        // export: the same filters, streamed; the CSV imports again as it is (every entry already listed here)
        var exported = h.get("/v1/suppressions/export?format=csv&origin=import");
        assertThat(exported.status()).isEqualTo(200);
        List<String> lines = exported.raw().body().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(String.join(",", SuppressionTransfer.EXPORT_COLUMNS));
        assertThat(lines).hasSize(7);
        assertThat(lines).anyMatch(l -> l.startsWith("b@imp.test,marketing,SUPPRESSED,feedback,import,import,") && l.endsWith(",\"complaint, via FBL\""));
        var jl = h.get("/v1/suppressions/export?format=jsonl&stream=marketing");
        assertThat(jl.raw().body().lines().map(l -> ServiceHarness.JSON.readTree(l).get("address").asString()).toList())
                .containsExactlyInAnyOrder("b@imp.test", "j3@imp.test");
        JsonNode reimport = ok(h.postBytes("/v1/suppressions/import?format=csv", exported.raw().body().getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(reimport.get("already_listed").asInt()).isEqualTo(6);
        assertThat(reimport.get("failed").asInt()).isZero();

        // events=true: one event per imported entry (not for lines already listed), source import, the caller as actor
        newEvents();
        JsonNode withEvents = ok(h.postBytes("/v1/suppressions/import?format=jsonl&events=true",
                "{\"address\":\"ev1@imp.test\"}\n{\"address\":\"ev2@imp.test\",\"state\":\"REVIEW\"}\n{\"address\":\"a@imp.test\"}\n"
                        .getBytes(StandardCharsets.UTF_8), Map.of()));
        assertThat(withEvents.get("imported").asInt()).isEqualTo(2);
        assertThat(withEvents.get("events").asInt()).isEqualTo(2);
        List<WebhookStore.OutboxEvent> evs = newEvents().stream().filter(e -> e.type().startsWith("suppression.")).toList();
        assertThat(evs).extracting(WebhookStore.OutboxEvent::type).containsExactly("suppression.created", "suppression.review");
        assertThat(evs).allSatisfy(e -> assertThat(ServiceHarness.JSON.readTree(e.payload()).get("source").asString()).isEqualTo("import"));
        assertThat(h.post("/v1/suppressions/import?format=jsonl&events=yes", "").status()).isEqualTo(400);
    }
}
