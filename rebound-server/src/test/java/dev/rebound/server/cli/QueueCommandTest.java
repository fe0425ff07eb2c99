package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rebound queue} against a running service over real HTTP. */
class QueueCommandTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void depthOnly_printsTheNumber_andTheDefaultShowsAgeAndStates() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of())) {
            String url = "http://127.0.0.1:" + h.service.httpPort();
            assertThat(run("queue", "--url", url, "--depth-only")).isEqualTo(new Run(0, "0" + System.lineSeparator(), ""));
            assertThat(h.post("/v1/messages", "{\"from\":\"a@s.test\",\"to\":[\"x@one.test\",\"y@two.test\"],\"text\":\"x\"}").status()).isEqualTo(202);
            clock.advance(Duration.ofSeconds(42));
            assertThat(run("queue", "--url", url + "/", "--depth-only").out().strip()).isEqualTo("2");
            Run full = run("queue", "--url", url);
            assertThat(full.code()).isZero();
            assertThat(full.out()).contains("depth               2 (0 being delivered)", "oldest age          42 s")
                    .containsPattern("QUEUED\\s+2").containsPattern("DELIVERED\\s+0");
        }
    }

    @Test
    void apiKeys_areSent_and401IsExplained() throws Exception {
        String key = "k-0123456789abcdef";
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_API_KEYS", key))) {
            String url = "http://127.0.0.1:" + h.service.httpPort();
            Run refused = run("queue", "--url", url, "--depth-only");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("401", "--api-key");
            assertThat(run("queue", "--url", url, "--depth-only", "--api-key", key).out().strip()).isEqualTo("0");
        }
    }

    @Test
    void nothingListening_saysWhereItLooked() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = run("queue", "--url", "http://127.0.0.1:" + port, "--depth-only");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("cannot reach http://127.0.0.1:" + port + "/v1/queue", "--url");
    }
}
