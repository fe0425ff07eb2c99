package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rebound keys create|list|revoke} on the store file of a running service, which honours them at once. */
@Tag("security")
class KeysCommandTest {
    @TempDir Path dir;

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
    void createListRevoke_againstTheRunningServicesStore() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        Path config = dir.resolve("rebound.yaml");
        Files.writeString(config, "store:\n  url: jdbc:sqlite:" + dir.resolve("rebound.db") + "\n");
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of())) {
            Run created = run("keys", "--config", config.toString(), "create", "--name", "billing app", "--scope", "send,read");
            assertThat(created.code()).as(created.err()).isZero();
            String key = created.out().strip();
            assertThat(key).matches("rbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
            assertThat(created.err()).contains("shown only this once", "send read");
            String id = key.substring(4, 20);

            String body = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}";
            assertThat(h.post("/v1/messages", body).status()).isEqualTo(401);
            assertThat(h.post("/v1/messages", body, "Authorization", "Bearer " + key).status()).isEqualTo(202);

            Run list = run("keys", "list", "--config", config.toString());
            assertThat(list.code()).isZero();
            assertThat(list.out()).contains(id, "active", "send read", "billing app").doesNotContain(key.substring(21));

            assertThat(run("keys", "revoke", "--config", config.toString(), id).out()).contains("revoked " + id);
            assertThat(h.post("/v1/messages", body, "Authorization", "Bearer " + key).status()).isEqualTo(401);
            assertThat(run("keys", "list", "--config", config.toString()).out()).contains("revoked");
            assertThat(run("keys", "revoke", "--config", config.toString(), "0000000000000000").code()).isEqualTo(1);
        }
        Run bad = run("keys", "create", "--config", config.toString(), "--name", "x", "--scope", "everything");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown scope \"everything\"", "send, read, suppressions, webhooks, admin");
    }
}
