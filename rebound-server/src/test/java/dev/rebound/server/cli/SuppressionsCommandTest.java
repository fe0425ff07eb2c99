package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionState;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rebound suppressions ...} against a running service over real HTTP. */
class SuppressionsCommandTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    final ScriptedAgent agent = new ScriptedAgent(clock);
    ServiceHarness h;
    String url;

    @AfterEach
    void stop() {
        if (h != null) h.close();
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

    private void start() {
        // the provisional hold off: a policy entry here suppresses at once (these tests are about the command)
        h = new ServiceHarness(dir.resolve("svc"), clock, agent, false, java.util.Map.of("REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s"));
        url = "http://127.0.0.1:" + h.service.httpPort();
    }

    @Test
    void help_namesEverySubcommand() {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("suppressions", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: rebound suppressions", "list", "show", "add", "remove", "review", "import", "export");
        out.getBuffer().setLength(0);
        assertThat(cl.execute("--help")).isZero();
        assertThat(out.toString()).contains("suppressions");
        out.getBuffer().setLength(0);
        assertThat(Main.commandLine().setOut(new PrintWriter(out)).execute("suppressions", "remove", "--help")).isZero();
        assertThat(out.toString()).contains("--force", "--reason", "REBOUND_URL", "admin scope");
    }

    @Test
    void addListShowRemove_andAComplaintNeedsForce() throws Exception {
        start();
        agent.on("gone@policy.test", SmtpReply.of(550, "5.1.1 no such user"));
        assertThat(h.post("/v1/messages", "{\"from\":\"a@s.test\",\"to\":[\"gone@policy.test\"],\"text\":\"x\"}").status()).isEqualTo(202);
        h.service.scheduler().runOnce();

        Run added = run("suppressions", "add", "hand@manual.test", "--reason", "asked by phone", "--actor", "carol");
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.out()).contains("added: hand@manual.test", "manual", "created", "carol (api): asked by phone");
        assertThat(run("suppressions", "add", "hand@manual.test", "--reason", "again").err()).contains("409 already_listed");
        assertThat(run("suppressions", "add", "x@y.test").code()).as("--reason is required").isEqualTo(2);

        Run list = run("suppressions", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("gone@policy.test", "suppress.hard.userunknown", "hand@manual.test", "2 entries");
        Run paged = run("suppressions", "list", "--limit", "1");
        assertThat(paged.out()).contains("1 entry", "more: --cursor ");
        assertThat(run("suppressions", "list", "--limit", "1", "--all").out()).contains("2 entries").doesNotContain("more:");
        assertThat(run("suppressions", "list", "--origin", "manual", "--json").out().strip().lines()).singleElement()
                .satisfies(l -> assertThat(l).startsWith("{\"address\":\"hand@manual.test\""));

        Run show = run("suppressions", "show", "transactional", "gone@policy.test");
        assertThat(show.code()).isZero();
        assertThat(show.out()).contains("evidence:", "  attempt ", "5.1.1 no such user", "audit:", "created SUPPRESSED/userunknown by policy");

        Run removed = run("suppressions", "remove", "transactional", "gone@policy.test", "--reason", "mailbox restored");
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed: gone@policy.test", "held messages released: 0", "removed SUPPRESSED/userunknown by api: mailbox restored");

        h.service.store().suppress(new Suppression("fbl@x.test", "transactional", "feedback", "suppress.complaint", clock.instant(), Optional.empty(), ""));
        Run refused = run("suppressions", "remove", "transactional", "fbl@x.test", "--reason", "wants mail");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("409 complaint_needs_force", "records the recipient's complaint", "\"force\": true", "admin scope");
        assertThat(run("suppressions", "remove", "transactional", "fbl@x.test", "--reason", "re-subscribed", "--force").code()).isZero();
    }

    @Test
    void reviewQueue_listApproveReject() throws Exception {
        start();
        for (String a : List.of("r1@b.test", "r2@b.test"))
            h.service.store().suppress(new Suppression(a, "transactional", "userunknown", "suppress.breaker.hard", clock.instant(),
                    Optional.empty(), "", SuppressionState.REVIEW));
        assertThat(run("suppressions", "review").out()).contains("r1@b.test", "r2@b.test", "REVIEW", "2 entries");
        Run approved = run("suppressions", "review", "approve", "transactional", "r1@b.test", "--reason", "checked");
        assertThat(approved.code()).as(approved.err()).isZero();
        assertThat(approved.out()).contains("approved: r1@b.test", "SUPPRESSED", "approved SUPPRESSED/userunknown by api: checked");
        Run rejected = run("suppressions", "review", "reject", "transactional", "r2@b.test", "--reason", "outage");
        assertThat(rejected.out()).contains("rejected: r2@b.test", "rejected REVIEW/userunknown by api: outage");
        assertThat(run("suppressions", "review", "reject", "transactional", "r1@b.test", "--reason", "x").err()).contains("409 not_in_review");
        assertThat(run("suppressions", "review", "list").out()).contains("0 entries");
    }

    @Test
    void importWithProgressAndPerLineErrors_exportToAFileAndStdout() throws Exception {
        start();
        Path csv = dir.resolve("list.csv");
        StringBuilder b = new StringBuilder("address,reason,note\n");
        for (int i = 0; i < 2500; i++) b.append("u").append(i).append("@imp.test,userunknown,batch\n");
        b.append("broken line without an address,,\n").append("\"unclosed,,\n");
        Files.writeString(csv, b);
        Run imported = run("suppressions", "import", csv.toString());
        assertThat(imported.code()).as("a failed line makes the exit code 1").isEqualTo(1);
        assertThat(imported.out()).contains("2503 lines: 2500 imported, 0 already listed (left as they were), 0 blank, 1 header, 2 failed",
                "line 2502: address 'broken line without an address' is not an email address", "line 2503: not a valid CSV record");
        assertThat(imported.err()).contains("import " + csv, "2,503 lines");

        Path jsonl = dir.resolve("out.jsonl");
        Run exported = run("suppressions", "export", "--output", jsonl.toString(), "--domain", "imp.test");
        assertThat(exported.code()).as(exported.err()).isZero();
        assertThat(Files.readAllLines(jsonl)).hasSize(2500).allSatisfy(l -> assertThat(l).contains("\"origin\":\"import\""));
        assertThat(exported.err()).contains("export: 2,500 lines");
        Run again = run("suppressions", "import", jsonl.toString());
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("2500 lines: 0 imported, 2500 already listed");
        Run stdout = run("suppressions", "export", "--format", "csv", "--address", "u7@imp.test");
        assertThat(stdout.out().lines().toList()).hasSize(2).first().asString().startsWith("address,stream,state");
    }
}
