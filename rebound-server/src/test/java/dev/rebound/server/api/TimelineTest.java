package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.cli.Main;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * An address's timeline through the real service: real SMTP deliveries to a scripted MX on a socket, the real store,
 * the HTTP API and the {@code rebound timeline} command against it.
 */
class TimelineTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    FakeMx mx;
    ServiceHarness h;

    @BeforeEach
    void start() {
        mx = FakeMx.start();
        h = ServiceHarness.withRealDelivery(dir, clock, false, Map.of("REBOUND_DELIVERY_ROUTES", "ex.test=127.0.0.1:" + mx.port(),
                "REBOUND_DELIVERY_TLS", "none",
                // the provisional hold off: the hard bounce suppresses at once, so the next message is held at intake
                "REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s"));
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (mx != null) mx.close();
    }

    private String post(String to) throws Exception {
        var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"" + to + "\"],\"subject\":\"s\",\"text\":\"x\"}");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    private JsonNode get(String path) throws Exception {
        var r = h.get(path);
        assertThat(r.status()).as(path + " " + r.raw().body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> kinds(JsonNode entries) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : entries) out.add(e.get("kind").asString() + (e.get("kind").asString().equals("suppression") ? ":" + e.get("action").asString() : ""));
        return out;
    }

    /** Bob: deferred, then a hard bounce and a suppression, a message refused at intake, the entry removed by hand. */
    private void history() throws Exception {
        mx.script().reply("RCPT TO:<Bob@ex.test>", "451 4.3.0 try again later");
        String m1 = post("Bob@ex.test");
        post("alice@ex.test"); // another address of the domain: never in Bob's timeline
        h.service.scheduler().runOnce();
        clock.advance(Duration.ofMinutes(6));
        mx.script().reply("RCPT TO:<Bob@ex.test>", "550 5.1.1 <Bob@ex.test>: Recipient address rejected: User unknown");
        h.service.scheduler().runOnce();
        assertThat(get("/v1/messages/" + m1).get("recipients").get(0).get("state").asString()).isEqualTo("BOUNCED_HARD");
        clock.advance(Duration.ofMinutes(1));
        post("bob@EX.test");
        clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> removed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + h.service.httpPort() + "/v1/suppressions/transactional/bob@ex.test"))
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"reason\":\"mailbox restored\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    }

    @Test
    void timeline_listsAttemptsDecisionsAndSuppressionChangesInOrder_withEvidenceAndRules() throws Exception {
        history();
        JsonNode t = get("/v1/recipients/BOB@ex.test/timeline");
        assertThat(t.get("address").asString()).isEqualTo("bob@ex.test");
        assertThat(t.get("next_cursor").isNull()).isTrue();
        JsonNode e = t.get("entries");
        assertThat(kinds(e)).containsExactly("accepted", "attempt", "decision", "attempt", "decision", "suppression:created",
                "accepted", "decision", "suppression:removed");
        assertThat(e.get(1).get("reply_lines").get(0).asString()).isEqualTo("4.3.0 try again later");
        assertThat(e.get(1).get("smtp_code").asInt()).isEqualTo(451);
        assertThat(e.get(2).get("state").asString()).isEqualTo("DEFERRED");
        assertThat(e.get(2).get("ref").asString()).isEqualTo(e.get(1).get("id").asString());
        assertThat(e.get(2).get("next_attempt_at").isNull()).isFalse();
        assertThat(e.get(3).get("rule").asString()).isEqualTo("text.userunknown");
        assertThat(e.get(3).get("raw_reason").asString()).contains("550 5.1.1", "User unknown");
        assertThat(e.get(4).get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(e.get(4).get("rule").asString()).isEqualTo("retry.no-repeat-5xx");
        assertThat(e.get(5).get("rule").asString()).isEqualTo("suppress.hard.userunknown");
        assertThat(e.get(5).get("actor").asString()).isEqualTo("policy");
        assertThat(e.get(5).get("evidence_ref").asString()).isEqualTo(e.get(3).get("id").asString());
        assertThat(e.get(6).get("state").asString()).isEqualTo("SUPPRESSED");
        assertThat(e.get(7).get("source").asString()).isEqualTo("intake");
        assertThat(e.get(7).get("rule").asString()).isEqualTo("suppression.suppress.hard.userunknown");
        assertThat(e.get(8).get("note").asString()).isEqualTo("mailbox restored");
        Instant prev = Instant.MIN;
        for (JsonNode x : e) {
            Instant at = Instant.parse(x.get("at").asString());
            assertThat(at).isAfterOrEqualTo(prev);
            prev = at;
            assertThat(x.get("stream").asString()).isEqualTo("transactional");
        }

        // another stream has none of it; alice has only her own
        assertThat(get("/v1/recipients/bob@ex.test/timeline?stream=marketing").get("entries")).isEmpty();
        assertThat(kinds(get("/v1/recipients/alice@ex.test/timeline").get("entries"))).containsExactly("accepted", "attempt", "decision");
    }

    @Test
    void paging_withLimitAndCursor_givesTheSameEntriesOnceEach() throws Exception {
        history();
        List<String> whole = new ArrayList<>();
        for (JsonNode x : get("/v1/recipients/bob@ex.test/timeline").get("entries")) whole.add(x.toString());
        for (int limit : new int[] {1, 2, 4}) {
            List<String> paged = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode p = get("/v1/recipients/bob@ex.test/timeline?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(p.get("entries").size()).isLessThanOrEqualTo(limit);
                for (JsonNode x : p.get("entries")) paged.add(x.toString());
                cursor = p.get("next_cursor").isNull() ? null : p.get("next_cursor").asString();
                assertThat(++pages).isLessThan(50);
            } while (cursor != null);
            assertThat(paged).as("limit " + limit).isEqualTo(whole);
        }
        var bad = h.get("/v1/recipients/bob@ex.test/timeline?cursor=nonsense");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asString()).isEqualTo("cursor");
        assertThat(h.get("/v1/recipients/bob@ex.test/timeline?limit=0").status()).isEqualTo(400);
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void cli_printsTheTimeline_asLinesOrJson_andNamesTheCursorWhenCut() throws Exception {
        history();
        String url = "http://127.0.0.1:" + h.service.httpPort();
        Run lines = run("timeline", "bob@ex.test", "--url", url);
        assertThat(lines.code()).as(lines.err()).isZero();
        String[] ls = lines.out().strip().split("\\R");
        assertThat(ls).hasSize(9);
        assertThat(ls[1]).contains("attempt #1", "4.3.0 try again later", "DEFERRED");
        assertThat(ls[4]).contains("decision", "BOUNCED_HARD/userunknown", "[retry.no-repeat-5xx]");
        assertThat(ls[5]).contains("suppression  created SUPPRESSED/userunknown", "by policy", "[suppress.hard.userunknown]");
        assertThat(ls[8]).contains("removed", "(mailbox restored)");

        Run json = run("timeline", "bob@ex.test", "--url", url, "--json", "--stream", "transactional");
        assertThat(json.code()).isZero();
        JsonNode j = ServiceHarness.JSON.readTree(json.out());
        assertThat(j.get("count").asInt()).isEqualTo(9);
        assertThat(j.get("entries").get(3).get("reply_lines").get(0).asString()).contains("User unknown");

        Run cut = run("timeline", "bob@ex.test", "--url", url, "--limit", "3");
        assertThat(cut.out().strip().split("\\R")).hasSize(4);
        assertThat(cut.out()).contains("more: rebound timeline bob@ex.test --cursor ");
        String cursor = cut.out().substring(cut.out().indexOf("--cursor ") + 9).strip();
        Run rest = run("timeline", "bob@ex.test", "--url", url, "--cursor", cursor);
        assertThat(rest.out().strip().split("\\R")).hasSize(6);

        Run none = run("timeline", "nobody@ex.test", "--url", url);
        assertThat(none.out()).contains("no history for nobody@ex.test");
    }
}
