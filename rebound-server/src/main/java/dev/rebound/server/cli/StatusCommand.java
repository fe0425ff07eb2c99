package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code rebound status}: one screen for an operator, from the API: the queue (depth and ages per state), the rates
 * of the last hour against the last 24 hours, open alerts and pauses, domains throttled or dead, webhook backlog, and
 * the nodes sharing the store (the registry of {@code GET /v1/nodes}, as {@code rebound nodes} prints it).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
                "Print one screen for an operator: queue depth and age, rates in the last hour against the last 24 hours, open alerts",
                "and pauses, domains throttled or dead, the webhook backlog, and the nodes sharing the store (id, state ALIVE, DEAD",
                "or STOPPED, seconds since the last heartbeat, recipients leased). Reads GET /v1/queue, /v1/stats, /v1/alerts,",
                "/v1/domains, /v1/webhooks and /v1/nodes (a part the key may not read is shown as such)."
        })
final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServiceClient client;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        StringWriter problems = new StringWriter();
        PrintWriter perr = new PrintWriter(problems);
        Optional<JsonNode> queue = client.get("/v1/queue", perr);
        if (queue.isEmpty()) { // the service is not there (or refuses the key): nothing else would work either
            perr.flush();
            err.print(problems);
            err.flush();
            return 1;
        }
        JsonNode q = queue.get();
        out.println("QUEUE");
        out.printf("  waiting %d (%d being delivered), oldest message %d s old, oldest due %s%n", q.path("depth").asLong(),
                q.path("leased").asLong(), q.path("oldest_age_seconds").asLong(), q.path("oldest_due_at").isNull() ? "-" : q.path("oldest_due_at").asString());
        StringBuilder states = new StringBuilder();
        for (var e : q.path("by_state").properties()) states.append(states.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
        out.println("  " + states);

        out.println("RATES           finals   attempts    hard    soft   block  complaint   defer");
        for (String w : new String[] {"1h", "24h"}) {
            Optional<JsonNode> s = client.get("/v1/stats?window=" + w, perr);
            if (s.isEmpty()) {
                out.println("  " + w + ": unavailable");
                continue;
            }
            JsonNode c = s.get().path("overall").path("counts"), r = s.get().path("overall").path("rates");
            out.printf("  last %-4s %11d %10d %7s %7s %7s %10s %7s%n", w, c.path("finals").asLong(), c.path("attempts").asLong(),
                    ServiceClient.pct(r.get("hard_bounce")), ServiceClient.pct(r.get("soft_bounce")), ServiceClient.pct(r.get("block")),
                    ServiceClient.pct(r.get("complaint")), ServiceClient.pct(r.get("defer")));
        }

        out.println("ALERTS");
        Optional<JsonNode> alerts = client.get("/v1/alerts?state=open&limit=20", perr);
        if (alerts.isEmpty()) out.println("  unavailable");
        else {
            StringWriter sw = new StringWriter();
            AlertsCommand.print(new PrintWriter(sw, true), alerts.get());
            sw.toString().lines().forEach(l -> out.println("  " + (l.equals("no alerts") ? "no open alerts" : l)));
        }

        out.println("DOMAINS (throttled, dead or paused)");
        Optional<JsonNode> domains = client.get("/v1/domains?state=throttled", perr);
        Optional<JsonNode> paused = client.get("/v1/domains?state=paused", perr);
        if (domains.isEmpty() || paused.isEmpty()) out.println("  unavailable");
        else {
            var all = ServiceClient.JSON.createObjectNode();
            var list = all.putArray("domains");
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (JsonNode d : domains.get().path("domains")) if (seen.add(d.path("domain").asString())) list.add(d);
            for (JsonNode d : paused.get().path("domains")) if (seen.add(d.path("domain").asString())) list.add(d);
            if (list.isEmpty()) out.println("  none");
            else {
                StringWriter sw = new StringWriter();
                DomainsCommand.print(new PrintWriter(sw, true), all);
                sw.toString().lines().forEach(l -> out.println("  " + l));
            }
        }

        out.println("WEBHOOKS");
        StringWriter whErr = new StringWriter();
        Optional<JsonNode> hooks = client.get("/v1/webhooks", new PrintWriter(whErr));
        if (hooks.isEmpty()) out.println("  unavailable" + (whErr.toString().contains("403") ? " (the key lacks the webhooks scope)" : ""));
        else if (hooks.get().path("endpoints").isEmpty()) out.println("  no endpoints");
        else {
            for (JsonNode e : hooks.get().path("endpoints")) {
                Optional<JsonNode> one = client.get("/v1/webhooks/" + e.path("id").asString(), perr);
                out.printf("  %-20s %-8s pending %s, oldest pending event %s  %s%n", e.path("id").asString(),
                        e.path("enabled").asBoolean() ? "enabled" : "disabled", one.map(o -> o.path("pending").asString()).orElse("?"),
                        one.map(o -> o.path("oldest_pending_event_at").isNull() ? "-" : o.path("oldest_pending_event_at").asString()).orElse("?"),
                        e.path("url").asString());
            }
        }
        out.println("NODES");
        Optional<JsonNode> nodes = client.get("/v1/nodes", perr);
        if (nodes.isEmpty()) out.println("  unavailable");
        else if (nodes.get().path("nodes").isEmpty()) out.println("  none registered");
        else {
            out.printf("  %-24s %-7s %10s %7s  %s%n", "NODE", "STATE", "LAST SEEN", "LEASED", "HOST");
            for (JsonNode n : nodes.get().path("nodes")) {
                out.printf("  %-24s %-7s %9ds %7d  %s%n", n.path("id").asString(""), n.path("state").asString(""),
                        n.path("last_seen_seconds_ago").asLong(), n.path("leased").asLong(), n.path("host").asString(""));
            }
        }
        perr.flush();
        if (problems.getBuffer().length() > 0) err.print(problems);
        out.flush();
        err.flush();
        return 0;
    }
}
