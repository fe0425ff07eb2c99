package dev.rebound.server.cli;

import dev.rebound.server.config.ConfigException;
import dev.rebound.server.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code rebound replay}: asks the running service to re-decide a time range's stored evidence (POST /v1/replay) and
 * prints what would change, with a progress bar on stderr while it runs.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {
                "Re-run classification and the retry, evidence and suppression policies of the running service (or the thresholds of "
                        + "a candidate config) over the evidence stored between --since and --until: attempts' reply lines are classified "
                        + "again, provider events are normalized again, DSN records keep their recorded classification; all are decided again.",
                "Prints the recipients whose outcome, reason or rule differs and the suppressions that would be added, removed or "
                        + "moved to review, with counts per rule. Changes nothing unless --apply: then the suppression changes are "
                        + "written (each audited with actor 'replay', with its webhook event); recipients' recorded outcomes are not rewritten.",
                "Needs a key with the admin scope when the service uses keys."
        })
final class ReplayCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--since", required = true, paramLabel = "T",
            description = "start of the range: an instant (2026-05-01T00:00:00Z), a date (2026-05-01, UTC) or a time ago (30d, 12h, 90m)")
    String since;

    @Option(names = "--until", paramLabel = "T", description = "end of the range, same forms (default: now)")
    String until;

    @Option(names = "--config", paramLabel = "CANDIDATE.yaml",
            description = "decide with this configuration's retry and suppression settings instead of the running ones (checked here and by the service)")
    Path config;

    @Option(names = "--apply", description = "apply the suppression changes (audited as actor 'replay'); only for a range that ends now (no --until)")
    boolean apply;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;


    @Mixin ApiOptions service;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ObjectNode body = ApiClient.JSON.createObjectNode().put("since", since.strip()).put("apply", apply);
        if (until != null && !until.isBlank()) body.put("until", until.strip());
        if (config != null) {
            String text;
            try {
                text = Files.readString(config);
                new ConfigLoader(Map.of()).loadText(text);
            } catch (IOException e) {
                err.println("rebound replay: cannot read --config " + config + ": " + e.getMessage());
                err.flush();
                return 2;
            } catch (ConfigException e) {
                err.println("rebound replay: --config " + config + " is not a valid configuration: " + e.getMessage());
                err.flush();
                return 2;
            }
            body.put("config", text);
        }
        ApiClient api = service.client(err);
        JsonNode report = null;
        try (InputStream in = api.postStreaming("/v1/replay", ApiClient.JSON.writeValueAsString(body));
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            Bar bar = new Bar(err);
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode n = api.parse("/v1/replay", line);
                switch (n.path("type").asString()) {
                    case "progress" -> bar.show(n.path("done").asLong(), n.path("total").asLong());
                    case "report" -> report = n;
                    case "error" -> {
                        bar.end();
                        err.println("rebound replay: " + n.path("message").asString());
                        err.flush();
                        return 1;
                    }
                    default -> { }
                }
            }
            bar.end();
        } catch (ApiClient.Failed f) {
            return f.exitCode;
        } catch (IOException e) {
            err.println("rebound replay: the connection to " + api.url("/v1/replay") + " broke during the replay: " + e.getMessage()
                    + (apply ? "; pages already applied stay applied, run it again to finish" : ""));
            err.flush();
            return 1;
        }
        if (report == null) {
            err.println("rebound replay: " + api.url("/v1/replay") + " ended without a report; see the service's log");
            err.flush();
            return 1;
        }
        if (json) {
            ((ObjectNode) report).remove("type");
            out.println(ApiClient.JSON.writeValueAsString(report));
        } else {
            print(out, report, config);
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, JsonNode r, Path config) {
        out.println("replay " + r.path("since").asString() + " .. " + r.path("until").asString() + " with the "
                + r.path("config").asString() + " config" + (config == null ? "" : " (" + config + ")") + ": "
                + r.path("addresses").asLong() + " address(es), " + r.path("attempts").asLong() + " attempt(s) and "
                + r.path("evidence").asLong() + " DSN/provider event(s) decided again");
        out.println("recipients whose outcome, reason or rule differs: " + r.path("recipients_changed").asLong());
        for (JsonNode x : r.path("recipients"))
            out.println("  " + x.path("address").asString() + "  " + x.path("stream").asString() + "  recipient " + x.path("recipient_id").asString()
                    + ": " + verdict(x.path("before")) + "  ->  " + verdict(x.path("after")));
        JsonNode counts = r.path("suppression_changes");
        StringBuilder sb = new StringBuilder("suppression changes:");
        for (var e : counts.properties()) sb.append(' ').append(e.getKey()).append(' ').append(e.getValue().asLong()).append(',');
        out.println(sb.substring(0, sb.length() - 1));
        for (JsonNode x : r.path("suppressions")) {
            out.printf("  %-13s %s  %s  %s  ->  %s%s%n", x.path("change").asString(), x.path("address").asString(), x.path("stream").asString(),
                    entry(x.path("before")), entry(x.path("after")),
                    x.path("applied").isNull() ? "" : x.path("applied").asBoolean() ? "  (applied)" : "  (skipped: the entry changed since)");
        }
        if (!r.path("by_rule").isEmpty()) {
            out.println("per rule:");
            for (var e : r.path("by_rule").properties()) {
                StringBuilder l = new StringBuilder("  " + e.getKey() + ":");
                for (var k : e.getValue().properties()) l.append(' ').append(k.getKey()).append(' ').append(k.getValue().asLong());
                out.println(l);
            }
            for (var e : r.path("recipients_by_rule").properties()) out.println("  recipients now decided by " + e.getKey() + ": " + e.getValue().asLong());
        }
        long listed = r.path("recipients").size() + r.path("suppressions").size();
        long total = r.path("recipients_changed").asLong();
        for (var e : counts.properties()) total += e.getValue().asLong();
        if (listed < total) out.println("(the first " + r.path("listed_limit").asLong() + " of each list are shown; the counts are complete)");
        if (r.path("apply").asBoolean())
            out.println("applied " + r.path("applied").asLong() + " suppression change(s), audited as actor replay; skipped "
                    + r.path("skipped").asLong() + " whose entry changed since");
        else
            out.println("nothing was changed; run again with --apply to apply the suppression changes");
    }

    private static String verdict(JsonNode v) {
        return v.path("outcome").asString("-") + "/" + v.path("reason").asString("-") + " [" + v.path("rule").asString("-") + "] => "
                + v.path("state").asString("no change") + " [" + v.path("decision_rule").asString("-") + "]";
    }

    private static String entry(JsonNode e) {
        if (e.isNull() || e.isMissingNode()) return "none";
        return e.path("state").asString() + "/" + e.path("reason").asString() + " [" + e.path("rule").asString() + "]"
                + (e.path("expires_at").isNull() ? "" : " until " + e.path("expires_at").asString());
    }

    /** A one-line progress bar on stderr, redrawn in place ({@code \r}). */
    private static final class Bar {
        private final PrintWriter err;
        private boolean shown;
        private int lastPercent = -1;

        Bar(PrintWriter err) {
            this.err = err;
        }

        void show(long done, long total) {
            int percent = total == 0 ? 100 : (int) Math.min(100, done * 100 / total);
            if (percent == lastPercent && done != total) return;
            lastPercent = percent;
            int filled = percent / 5;
            err.print("\rreplay [" + "#".repeat(filled) + "-".repeat(20 - filled) + "] " + String.format("%3d", percent) + "%  "
                    + done + "/" + total + " addresses");
            err.flush();
            shown = true;
        }

        void end() {
            if (shown) err.println();
            err.flush();
            shown = false;
        }
    }
}
