package dev.rebound.server.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.cli.Main;
import dev.rebound.server.store.NodeInfo;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * The node registry over real HTTP and a real store: a started node registers itself, its heartbeat moves
 * {@code last_seen_at}, another node that stopped beating is DEAD after its missed heartbeats, a clean stop is
 * STOPPED, and leases are counted per node. {@code rebound nodes} prints it and exits 3 while a node is dead;
 * {@code rebound status} shows it in its NODES part.
 */
class NodeRegistryTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));

    private static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    private static JsonNode node(JsonNode body, String id) {
        for (JsonNode n : body.path("nodes")) if (n.path("id").asString("").equals(id)) return n;
        throw new AssertionError("no node " + id + " in " + body);
    }

    @Test
    void registry_heartbeats_deadAfterMissedBeats_stoppedOnCleanStop_leasesPerNode() throws Exception {
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false,
                Map.of("REBOUND_NODE_HEARTBEAT_INTERVAL", "2s", "REBOUND_NODE_DEAD_AFTER_MISSED", "3"))) {
            JsonNode self = node(h.get("/v1/nodes").json(), "test-node");
            assertThat(self.path("state").asString()).isEqualTo("ALIVE");
            assertThat(self.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(self.path("heartbeat_interval_ms").asLong()).isEqualTo(2000);
            assertThat(self.path("dead_after_ms").asLong()).isEqualTo(6000);
            assertThat(self.path("started_at").asString()).isEqualTo("2026-05-01T12:00:00Z");

            // another process on the same store: beat once at 12:00, then silent
            var store = h.service.store();
            store.heartbeat(new NodeInfo("other", "host-b", "0.1.0", 4242, "abcd", clock.instant(), clock.instant(),
                    Duration.ofSeconds(2), Duration.ofSeconds(6), Optional.empty(), 0));
            assertThat(h.post("/v1/messages", "{\"from\":\"a@s.test\",\"to\":[\"x@one.test\",\"y@two.test\"],\"text\":\"x\"}").status()).isEqualTo(202);
            assertThat(store.claimDue("other", 1, Duration.ofMinutes(1))).hasSize(1);
            JsonNode body = h.get("/v1/nodes").json();
            assertThat(node(body, "other").path("leased").asLong()).isEqualTo(1);
            assertThat(node(body, "test-node").path("leased").asLong()).isZero();

            clock.advance(Duration.ofSeconds(5));
            h.service.heartbeat().beat(); // this node beats, the other does not
            body = h.get("/v1/nodes").json();
            assertThat(node(body, "other").path("state").asString()).as("5 s < 3 missed beats").isEqualTo("ALIVE");
            clock.advance(Duration.ofSeconds(2));
            h.service.heartbeat().beat();
            body = h.get("/v1/nodes").json();
            assertThat(node(body, "other").path("state").asString()).as("7 s > 3 × 2 s").isEqualTo("DEAD");
            assertThat(node(body, "test-node").path("state").asString()).isEqualTo("ALIVE");
            assertThat(node(body, "test-node").path("last_seen_at").asString()).isEqualTo("2026-05-01T12:00:07Z");

            String url = "http://127.0.0.1:" + h.service.httpPort();
            String[] r = run("nodes", "--url", url);
            assertThat(r[0]).as("a dead node: exit 3").isEqualTo("3");
            assertThat(r[1]).containsPattern("other\\s+DEAD\\s+host-b\\s+4242").containsPattern("test-node\\s+ALIVE");
            // rebound status shows the same registry: id, state, seconds since the last beat, leases held, host
            String[] status = run("status", "--url", url);
            assertThat(status[0]).as(status[2]).isEqualTo("0");
            assertThat(status[1]).contains("NODES").containsPattern("NODE\\s+STATE\\s+LAST SEEN\\s+LEASED\\s+HOST")
                    .containsPattern("other\\s+DEAD\\s+7s\\s+1\\s+host-b").containsPattern("test-node\\s+ALIVE\\s+0s\\s+0\\s+");

            // the expired lease of the dead node is not counted as its any more
            clock.advance(Duration.ofMinutes(1));
            assertThat(node(h.get("/v1/nodes").json(), "other").path("leased").asLong()).isZero();
        }
        // after a clean stop, the node is listed STOPPED by whoever reads the store next
        try (ServiceHarness h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_NODE_ID", "second"))) {
            JsonNode body = h.get("/v1/nodes").json();
            assertThat(node(body, "test-node").path("state").asString()).isEqualTo("STOPPED");
            assertThat(node(body, "second").path("state").asString()).isEqualTo("ALIVE");
        }
    }

    @Test
    void heartbeatMustRenewSeveralTimesPerLease() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.rebound.server.config.ConfigException.class, () ->
                ServiceHarness.config(dir, Map.of("REBOUND_NODE_HEARTBEAT_INTERVAL", "5s", "REBOUND_SCHEDULER_LEASE", "10s")));
        assertThat(e.getMessage()).contains("node.heartbeat-interval", "5s", "scheduler.lease");
    }
}
