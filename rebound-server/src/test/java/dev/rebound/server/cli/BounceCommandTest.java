package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BounceCommandTest {
    private static final Path DEV = Path.of(System.getProperty("rebound.shared.dir", "../../shared"), "corpus", "dev");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Run(int exit, List<JsonNode> lines, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new BounceCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.toString().split("\n")) {
            if (!l.isBlank()) lines.add(JSON.readTree(l));
        }
        return new Run(exit, lines, err.toString());
    }

    @Test
    void printsOneJsonObjectPerRecipientWithTheMeasuredFields(@TempDir Path dir) throws Exception {
        // A Postfix DSN with two recipients, an ARF report and a qmail bounce with two recipients.
        for (String f : List.of("lhost-postfix-02.eml", "arf-01.eml", "lhost-qmail-17.eml")) {
            Files.copy(DEV.resolve(f), dir.resolve(f));
        }
        Run r = run("parse", dir.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.lines()).extracting(n -> n.get("file").asString())
                .containsExactly("arf-01.eml", "lhost-postfix-02.eml", "lhost-postfix-02.eml", "lhost-qmail-17.eml",
                        "lhost-qmail-17.eml");
        for (JsonNode n : r.lines()) {
            for (String field : List.of("file", "recipient", "reason", "status", "replycode", "hardbounce",
                    "feedbacktype", "outcome", "rule", "decodedby")) {
                assertThat(n.has(field)).as("%s in %s", field, n).isTrue();
            }
            assertThat(n.get("replycode").isString()).isTrue();
            assertThat(n.get("hardbounce").isBoolean()).isTrue();
        }
        JsonNode arf = r.lines().get(0);
        assertThat(arf.get("reason").asString()).isEqualTo("feedback");
        assertThat(arf.get("feedbacktype").asString()).isEqualTo("abuse");
        assertThat(arf.get("outcome").asString()).isEqualTo("COMPLAINT");
        JsonNode qmail1 = r.lines().get(3);
        assertThat(qmail1.get("reason").asString()).isEqualTo("userunknown");
        assertThat(qmail1.get("status").asString()).isEqualTo("5.1.1");
        assertThat(qmail1.get("replycode").asString()).isEqualTo("550");
        assertThat(qmail1.get("hardbounce").asBoolean()).isTrue();
        assertThat(qmail1.get("outcome").asString()).isEqualTo("BOUNCED_HARD");
        JsonNode qmail2 = r.lines().get(4);
        assertThat(qmail2.get("reason").asString()).isEqualTo("mailboxfull");
        assertThat(qmail2.get("hardbounce").asBoolean()).isFalse();
    }

    @Test
    void anEmailThatIsNotABounceGivesAnErrorLineAndTheCommandGoesOn(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a-note.eml"), "From: alice@example.org\r\nSubject: lunch?\r\n\r\nAt noon.\r\n");
        Files.copy(DEV.resolve("lhost-qmail-17.eml"), dir.resolve("b.eml"));
        Run r = run("parse", dir.resolve("a-note.eml").toString(), dir.resolve("b.eml").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.lines()).hasSize(3);
        assertThat(r.lines().get(0).get("file").asString()).isEqualTo("a-note.eml");
        assertThat(r.lines().get(0).get("error").asString()).contains("not a bounce");
        assertThat(r.lines().get(1).get("file").asString()).isEqualTo("b.eml");
        assertThat(r.lines().get(1).has("reason")).isTrue();
    }

    @Test
    void aMissingPathIsAClearErrorWithExitCode2(@TempDir Path dir) {
        Run r = run("parse", dir.resolve("nope.eml").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no such file or directory").contains("nope.eml");
        assertThat(r.lines()).isEmpty();
    }
}
