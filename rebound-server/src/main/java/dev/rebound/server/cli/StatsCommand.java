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

/** {@code rebound stats}: outcome counts and rates over a window, overall and per domain or stream (GET /v1/stats). */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {
                "Print the running service's outcome counts and rates over a sliding window: overall, and per recipient domain or stream with --by.",
                "hard = final hard bounces / final outcomes of sent mail (SES's bounce rate), soft and block over the same finals,",
                "complaint = complaints / delivered, defer = deferred attempts / attempts. Reads GET /v1/stats."
        })
final class StatsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceClient client;

    @Option(names = "--window", paramLabel = "WINDOW", defaultValue = "1h", description = "15m, 1h, 24h or 7d (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--by", paramLabel = "SCOPE", description = "domain or stream: one row per recipient domain or stream, busiest first.")
    String by;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Rows with --by (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print the API's JSON answer as it is.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        String path = "/v1/stats?window=" + window + (by == null ? "" : "&by=" + by) + "&limit=" + limit;
        Optional<JsonNode> r = client.get(path, err);
        if (r.isEmpty()) {
            err.flush();
            return 1;
        }
        JsonNode s = r.get();
        if (json) {
            out.println(s.toString());
        } else {
            out.println("window " + s.path("window").asString() + " (" + s.path("from").asString() + " .. " + s.path("to").asString() + ")");
            out.printf("%-32s %9s %9s %7s %7s %7s %9s %7s%n", by == null ? "scope" : by, "finals", "attempts", "hard", "soft", "block", "complaint", "defer");
            row(out, "(all mail)", s.path("overall"));
            for (JsonNode sc : s.path("scopes")) row(out, sc.path("scope").asString(), sc);
            if (s.path("truncated").asBoolean(false)) out.println("(more rows: raise --limit)");
        }
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String name, JsonNode n) {
        JsonNode c = n.path("counts"), r = n.path("rates");
        out.printf("%-32s %9d %9d %7s %7s %7s %9s %7s%n", name.length() > 32 ? name.substring(0, 31) + "~" : name,
                c.path("finals").asLong(), c.path("attempts").asLong(), ServiceClient.pct(r.get("hard_bounce")), ServiceClient.pct(r.get("soft_bounce")),
                ServiceClient.pct(r.get("block")), ServiceClient.pct(r.get("complaint")), ServiceClient.pct(r.get("defer")));
    }
}
