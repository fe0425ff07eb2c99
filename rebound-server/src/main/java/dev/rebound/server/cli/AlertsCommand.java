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

/** {@code rebound alerts}: rate alerts and paused scopes (GET /v1/alerts). */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = {
                "Print the running service's rate alerts, newest first (open ones with --open), with the numbers that decided,",
                "and the paused domains and streams with their reason. Reads GET /v1/alerts."
        })
final class AlertsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceClient client;

    @Option(names = "--open", description = "Only the open alerts.")
    boolean open;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N alerts (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print the API's JSON answer as it is.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Optional<JsonNode> r = client.get("/v1/alerts?state=" + (open ? "open" : "all") + "&limit=" + limit, err);
        if (r.isEmpty()) {
            err.flush();
            return 1;
        }
        if (json) out.println(r.get().toString());
        else print(out, r.get());
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, JsonNode a) {
        if (a.path("alerts").isEmpty()) out.println("no alerts");
        for (JsonNode x : a.path("alerts")) {
            JsonNode f = x.path("figures");
            String scope = x.path("scope_kind").asString() + (x.path("scope").asString().isEmpty() ? "" : " " + x.path("scope").asString());
            out.printf("%-8s %-8s %-28s %-11s %s  rate %s (%d of %d), baseline %s, bound %s  [%s]  opened %s%s%n",
                    x.path("state").asString(), x.path("level").asString(), scope, x.path("metric").asString(), x.path("rule_id").asString(),
                    ServiceClient.pct(f.get("rate")), f.path("events").asLong(), f.path("trials").asLong(), ServiceClient.pct(f.get("baseline")),
                    ServiceClient.pct(f.get("lower_bound")), x.path("id").asString(), x.path("opened_at").asString(),
                    x.path("resolved_at").isNull() ? "" : ", resolved " + x.path("resolved_at").asString() + " by " + x.path("resolve_rule").asString());
        }
        for (JsonNode p : a.path("pauses")) {
            out.printf("paused   %s %s since %s by %s: %s%n", p.path("scope_kind").asString(), p.path("scope").asString(),
                    p.path("paused_at").asString(), p.path("actor").asString(), p.path("reason").asString());
        }
    }
}
