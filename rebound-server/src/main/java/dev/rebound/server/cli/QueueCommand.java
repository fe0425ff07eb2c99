package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code rebound queue}: the running service's queue depth, oldest age and recipients per state, from GET /v1/queue. */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {
                "Print the running service's queue: depth (recipients waiting), age of the oldest waiting message, and recipients per state.",
                "Reads GET /v1/queue of the service at --url. With --depth-only prints just the depth (for scripts and the bench harness's --queue-cmd)."
        })
final class QueueCommand implements Callable<Integer> {
    private static final String PATH = "/v1/queue";

    @Spec CommandSpec spec;


    @Option(names = "--depth-only", description = "Print only the queue depth, a number.")
    boolean depthOnly;

    @Mixin ApiOptions service;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        JsonNode q;
        try {
            q = service.client(err).get(PATH);
        } catch (ApiClient.Failed f) {
            return f.exitCode;
        }
        if (depthOnly) {
            out.println(q.path("depth").asLong());
        } else {
            out.println("depth               " + q.path("depth").asLong() + " (" + q.path("leased").asLong() + " being delivered)");
            out.println("oldest age          " + q.path("oldest_age_seconds").asLong() + " s");
            out.println("oldest due at       " + (q.path("oldest_due_at").isNull() ? "-" : q.path("oldest_due_at").asString()));
            for (var e : q.path("by_state").properties()) out.printf("%-19s %d%n", e.getKey(), e.getValue().asLong());
        }
        out.flush();
        return 0;
    }
}
