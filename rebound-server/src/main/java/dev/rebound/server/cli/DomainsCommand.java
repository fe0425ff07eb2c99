package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code rebound domains}: per recipient domain, the throttle, the pause and the last hour's rates (GET /v1/domains). */
@Command(name = "domains", mixinStandardHelpOptions = true,
        description = {
                "Print the recipient domains the service knows: this node's throttle (concurrency limit, in flight, delay between",
                "connections, dead until), whether the domain is paused, and its last hour's finals and hard-bounce and defer rates.",
                "Reads GET /v1/domains."
        })
final class DomainsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceClient client;

    @Option(names = "--state", paramLabel = "STATE", defaultValue = "all",
            description = "all, throttled (dead, backing off or below the maximum concurrency), dead or paused (default: ${DEFAULT-VALUE}).")
    String state;

    @Option(names = "--json", description = "Print the API's JSON answer as it is.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Optional<JsonNode> r = client.get("/v1/domains?state=" + state, err);
        if (r.isEmpty()) {
            err.flush();
            return 1;
        }
        if (json) out.println(r.get().toString());
        else print(out, r.get());
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, JsonNode d) {
        if (d.path("domains").isEmpty()) {
            out.println("no domains");
            return;
        }
        out.printf("%-32s %7s %8s %9s %-22s %7s %7s %7s  %s%n", "domain", "limit", "in-flight", "delay", "dead until", "finals", "hard", "defer", "pause");
        for (JsonNode x : d.path("domains")) {
            JsonNode t = x.path("throttle"), c = x.path("last_hour").path("counts"), r = x.path("last_hour").path("rates");
            boolean known = t.path("known").asBoolean(false);
            String name = x.path("domain").asString();
            out.printf("%-32s %7s %8s %9s %-22s %7d %7s %7s  %s%n", name.length() > 32 ? name.substring(0, 31) + "~" : name,
                    known ? t.path("concurrency_limit").asString() : "-", known ? t.path("in_flight").asString() : "-",
                    known ? t.path("connection_delay_ms").asLong() + "ms" : "-",
                    known && !t.path("dead_until").isNull() ? t.path("dead_until").asString() : "-",
                    c.path("finals").asLong(), ServiceClient.pct(r.get("hard_bounce")), ServiceClient.pct(r.get("defer")),
                    x.path("pause").isNull() ? "" : "paused: " + x.path("pause").path("reason").asString());
        }
    }
}
