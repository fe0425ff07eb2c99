package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ClassifyCommandTest {
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new ClassifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static JsonNode json(String s) {
        return JsonMapper.builder().build().readTree(s);
    }

    @Test
    void classify_userUnknown() {
        Run r = run("550 5.1.1 <x@y.example>: Recipient address rejected: User unknown", "--domain", "Y.example");
        assertThat(r.exit()).isZero();
        JsonNode j = json(r.out());
        assertThat(j.get("outcome").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(j.get("reason").asString()).isEqualTo("userunknown");
        assertThat(j.get("rule").asString()).isEqualTo("text.userunknown");
        assertThat(j.get("replycode").asInt()).isEqualTo(550);
        assertThat(j.get("enhanced").asString()).isEqualTo("5.1.1");
        assertThat(j.get("enhanced_conflict").asBoolean()).isFalse();
        assertThat(j.get("phase").asString()).isEqualTo("RCPT");
        assertThat(j.get("domain").asString()).isEqualTo("y.example");
        assertThat(j.get("matched").asString()).isEqualTo("User unknown");
        assertThat(j.get("text").asString()).startsWith("5.1.1 <x@y.example>");
    }

    @Test
    void classify_multiLineWithLiteralCrLf_andPhase() {
        Run r = run("--phase", "mail", "550-5.7.1 Sender denied\\r\\n550 5.7.1 see https://example.org");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = json(r.out());
        assertThat(j.get("outcome").asString()).isEqualTo("BLOCKED_POLICY");
        assertThat(j.get("reason").asString()).isEqualTo("rejected");
        assertThat(j.get("phase").asString()).isEqualTo("MAIL");
        assertThat(j.get("text").asString()).isEqualTo("5.7.1 Sender denied\n5.7.1 see https://example.org");
    }

    @Test
    void classify_realNewlines_andConflict() {
        Run r = run("450-5.1.1 mailbox unavailable\n450 try later");
        JsonNode j = json(r.out());
        assertThat(j.get("outcome").asString()).isEqualTo("DEFERRED");
        assertThat(j.get("enhanced_conflict").asBoolean()).isTrue();
        assertThat(j.get("rule").asString()).endsWith("+conflict");
    }

    @Test
    void badReply_exit2_quotesInput() {
        Run r = run("55O 5.1.1 typo in the code");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("\"55O 5.1.1 typo in the code\"").contains("three-digit");
    }

    @Test
    void badPhase_exit2() {
        Run r = run("--phase", "HELO2", "250 ok");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("\"HELO2\"").contains("RCPT");
    }

    @Test
    void missingReply_exit2_withUsage() {
        Run r = run();
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("<reply>");
    }

    @Test
    void help() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("classify").contains("--phase").contains("--domain");
    }
}
