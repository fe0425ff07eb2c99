package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.WebhookReceiver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * {@code rebound webhooks ...} against the running service over real HTTP, with a {@link WebhookReceiver} on a real
 * socket as the application: first down (every POST answered 500), then back. The dispatcher is driven round by round
 * with the clock moved to each next due delivery, never by sleeping.
 */
class WebhooksCommandTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    ServiceHarness h;
    WebhookReceiver receiver;
    String url;

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (receiver != null) receiver.close();
    }

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = url;
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs dispatcher rounds, moving the clock to each next due delivery, until none is due. */
    private void dispatchAll() {
        for (int i = 0; i < 60; i++) {
            h.service.webhooks().dispatcher().runOnce();
            var next = h.service.store().webhooks().nextDueAt();
            if (next.isEmpty()) return;
            if (next.get().isAfter(clock.instant())) clock.advance(Duration.between(clock.instant(), next.get()));
        }
        throw new AssertionError("webhook deliveries still due after 60 rounds");
    }

    private long received(String webhookId) {
        return receiver.accepted().stream().filter(q -> q.webhookId().equals(webhookId)).count();
    }

    @Test
    void help_namesEverySubcommand() {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("webhooks", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: rebound webhooks", "list", "deliveries", "log", "redeliver", "replay", "enable", "disable",
                "webhooks scope");
        out.getBuffer().setLength(0);
        assertThat(cl.execute("--help")).isZero();
        assertThat(out.toString()).contains("webhooks");
        out.getBuffer().setLength(0);
        assertThat(Main.commandLine().setOut(new PrintWriter(out)).execute("webhooks", "deliveries", "--help")).isZero();
        assertThat(out.toString()).contains("--state", "--cursor", "--order", "--limit", "REBOUND_URL");
        assertThat(Main.commandLine().setErr(new PrintWriter(new StringWriter())).execute("webhooks", "replay", "wh_x"))
                .as("--from is required").isEqualTo(2);
    }

    @Test
    void aFailingEndpoint_seenFromTheShell_thenRedeliveredAndReplayed() throws Exception {
        receiver = WebhookReceiver.start();
        AtomicBoolean down = new AtomicBoolean(true);
        receiver.status(n -> down.get() ? 500 : 200);
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_WEBHOOKS_RETRY_SCHEDULE", "1s,1s,1s,1s,1s"));
        url = "http://127.0.0.1:" + h.service.httpPort();
        var created = h.post("/v1/webhooks", "{\"url\":\"" + receiver.url() + "\",\"final_only\":false}");
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        String id = created.json().get("id").asString();
        h.service.webhooks().dispatcher().runOnce(); // the fan-out starts at the end of the outbox

        Instant start = clock.instant();
        for (int i = 0; i < 2; i++) {
            var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"r" + i + "@ex.test\"],\"subject\":\"s\",\"text\":\"x\"}");
            assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        }
        h.service.webhooks().dispatcher().runOnce(); // the application is down: the first attempt fails, both events wait

        // the operator's view of the failing endpoint
        Run list = run("webhooks", "list");
        assertThat(list.code()).as(list.err()).isZero();
        String row = list.out().lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow(() -> new AssertionError(list.out()));
        assertThat(row).contains(" api ", " enabled ", receiver.url()).containsPattern(" 2  2026-05-01T12:00:00Z +2026-05-01T12:00:00Z ");
        assertThat(list.out()).contains("1 endpoint");

        Run pending = run("webhooks", "deliveries", id, "--state", "pending");
        assertThat(pending.code()).as(pending.err()).isZero();
        List<String> pendingRows = pending.out().lines().filter(l -> l.startsWith("evt_")).toList();
        assertThat(pendingRows).hasSize(2).allSatisfy(l -> assertThat(l).contains("message.accepted", " pending "));
        assertThat(pending.out()).contains("2 deliveries (order desc)").doesNotContain("more:");
        assertThat(pendingRows).anySatisfy(l -> assertThat(l).containsPattern(" 1 +500 "));

        // one page at a time: the next page's cursor is printed, and following it gives the other delivery
        Run first = run("webhooks", "deliveries", id, "--limit", "1", "--order", "asc");
        assertThat(first.out()).contains("1 delivery (order asc)", "more: rebound webhooks deliveries " + id + " --limit 1 --cursor ");
        String cursor = first.out().lines().filter(l -> l.startsWith("more: ")).findFirst().orElseThrow().replaceFirst(".* --cursor ", "");
        Run second = run("webhooks", "deliveries", id, "--limit", "1", "--cursor", cursor);
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("1 delivery (order asc)").doesNotContain("more:");
        String firstEvent = first.out().lines().filter(l -> l.startsWith("evt_")).findFirst().orElseThrow().split(" ")[0];
        String secondEvent = second.out().lines().filter(l -> l.startsWith("evt_")).findFirst().orElseThrow().split(" ")[0];
        assertThat(List.of(firstEvent, secondEvent)).doesNotHaveDuplicates();
        assertThat(pendingRows).anySatisfy(l -> assertThat(l).startsWith(firstEvent)).anySatisfy(l -> assertThat(l).startsWith(secondEvent));

        Run log = run("webhooks", "log", id);
        assertThat(log.code()).as(log.err()).isZero();
        assertThat(log.out().lines().filter(l -> l.contains(" evt_"))).isNotEmpty()
                .allSatisfy(l -> assertThat(l).containsPattern(" 1 +500 +\\d+ms  .*failing on purpose"));

        // the application is back: the retries deliver both
        down.set(false);
        dispatchAll();
        assertThat(received(firstEvent)).isEqualTo(1);
        assertThat(received(secondEvent)).isEqualTo(1);
        Run delivered = run("webhooks", "deliveries", id, "--state", "delivered");
        assertThat(delivered.out()).contains(firstEvent, secondEvent, "2 deliveries");
        Run eventLog = run("webhooks", "log", id, "--event", firstEvent);
        List<String> attempts = eventLog.out().lines().filter(l -> l.contains(" evt_")).toList();
        assertThat(attempts).allSatisfy(l -> assertThat(l).contains(firstEvent)).anySatisfy(l -> assertThat(l).containsPattern(" 200 +\\d+ms  ok "));
        assertThat(run("webhooks", "list").out()).doesNotContain("2026-05-01T12:00:00Z").contains(" 0  - ");

        // redeliver one event: the application sees it again, with the same webhook-id
        Run redeliver = run("webhooks", "redeliver", id, firstEvent);
        assertThat(redeliver.code()).as(redeliver.err()).isZero();
        assertThat(redeliver.out()).contains("redeliver " + firstEvent + " to " + id + ": 1 requeued, 0 added");
        dispatchAll();
        assertThat(received(firstEvent)).isEqualTo(2);
        assertThat(received(secondEvent)).isEqualTo(1);

        // replay the outage: both again
        Run replay = run("webhooks", "replay", id, "--from", start.toString());
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("replay " + start + " .. ", " to " + id + ": 2 requeued, 0 added", "0 in flight");
        dispatchAll();
        assertThat(received(firstEvent)).isEqualTo(3);
        assertThat(received(secondEvent)).isEqualTo(2);

        // disable and enable through update's enabled field
        Run disabled = run("webhooks", "disable", id);
        assertThat(disabled.out()).contains(id + " disabled: disabled through the API");
        assertThat(run("webhooks", "list").out()).contains(" disabled ", "  disabled: disabled through the API  (rebound webhooks enable " + id);
        Run enabled = run("webhooks", "enable", id);
        assertThat(enabled.code()).as(enabled.err()).isZero();
        assertThat(enabled.out()).contains(id + " enabled");
        assertThat(h.get("/v1/webhooks/" + id).json().get("enabled").asBoolean()).isTrue();

        // --json gives the API's answers
        JsonNode json = ServiceHarness.JSON.readTree(run("webhooks", "list", "--json").out());
        assertThat(json.get("endpoints")).singleElement().satisfies(e -> assertThat(e.get("pending").asInt()).isZero());

        // refusals print the API's error naming the field and quoting the value, and exit non-zero
        Run badState = run("webhooks", "deliveries", id, "--state", "bogus");
        assertThat(badState.code()).isEqualTo(1);
        assertThat(badState.err()).contains("400 invalid_request: state \"bogus\": expected pending, delivered or failed");
        Run badOrder = run("webhooks", "deliveries", id, "--order", "sideways");
        assertThat(badOrder.code()).isEqualTo(1);
        assertThat(badOrder.err()).contains("order \"sideways\"");
        Run badTime = run("webhooks", "replay", id, "--from", "yesterday");
        assertThat(badTime.code()).isEqualTo(1);
        assertThat(badTime.err()).contains("from \"yesterday\": expected an RFC 3339 UTC time");
        Run unknown = run("webhooks", "log", "wh_nope");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("404 not_found: id \"wh_nope\": no webhook endpoint with this id");
        Run noEvent = run("webhooks", "redeliver", id, "evt_nope");
        assertThat(noEvent.code()).isEqualTo(1);
        assertThat(noEvent.err()).contains("404 not_found: event_id \"nope\"");
    }
}
