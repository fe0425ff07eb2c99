package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code rebound nodes}: the nodes sharing the running service's store, from GET /v1/nodes. */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = {
                "Print the nodes that share the running service's store: id, state (ALIVE; DEAD after node.dead-after-missed "
                        + "missed heartbeats; STOPPED after a clean stop), host, pid, version, last heartbeat, start time and the "
                        + "recipients each holds leases on.",
                "Reads GET /v1/nodes of the service at --url (any node: they all read the same registry). Exit status 3 when a "
                        + "node is DEAD (for scripts and monitoring)."
        })
final class NodesCommand implements Callable<Integer> {
    private static final String PATH = "/v1/nodes";

    @Spec CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "The service's HTTP API (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:REBOUND_API_KEY}",
            description = "Bearer key when the service uses keys (default: $REBOUND_API_KEY).")
    String apiKey;

    @Option(names = "--json", description = "Print the answer of GET /v1/nodes as is.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        JsonNode body;
        try {
            body = new ApiClient(url, apiKey, err).get(PATH);
        } catch (ApiClient.Failed f) {
            return f.exitCode;
        }
        boolean anyDead = false;
        if (json) {
            out.println(body);
        } else {
            out.printf("%-24s %-7s %-20s %8s %-16s %10s %7s  %s%n", "NODE", "STATE", "HOST", "PID", "VERSION", "LAST SEEN", "LEASED", "STARTED");
        }
        for (JsonNode n : body.path("nodes")) {
            anyDead |= n.path("state").asString("").equals("DEAD");
            if (json) continue;
            out.printf("%-24s %-7s %-20s %8d %-16s %8ds %7d  %s%n", n.path("id").asString(""), n.path("state").asString(""),
                    n.path("host").asString(""), n.path("pid").asLong(), n.path("version").asString(""),
                    n.path("last_seen_seconds_ago").asLong(), n.path("leased").asLong(), n.path("started_at").asString(""));
        }
        out.flush();
        return anyDead ? 3 : 0;
    }
}
