package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code rebound timeline ADDRESS}: an address's history from GET /v1/recipients/{address}/timeline, page after page. */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = {
                "Print everything the running service knows about one address, oldest first: messages accepted for it, every attempt "
                        + "with its reply, DSNs and provider events, the decision taken on each with its rule id, and every change of its "
                        + "suppression entries.",
                "Reads GET /v1/recipients/{address}/timeline of the service at --url, following its cursor up to --limit entries."
        })
final class TimelineCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ADDRESS", description = "the recipient address (case-insensitive)")
    String address;

    @Option(names = "--stream", paramLabel = "S", description = "only this message stream (default: every stream)")
    String stream;

    @Option(names = "--json", description = "print the entries as one JSON object (the API's shape, pages joined)")
    boolean json;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
            description = "print at most N entries (default: ${DEFAULT-VALUE}); the rest is named by a cursor")
    int limit;

    @Option(names = "--cursor", paramLabel = "C", description = "start after this cursor (printed when --limit cut the output)")
    String cursor;


    @Mixin ApiOptions service;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (limit < 1) {
            err.println("rebound timeline: --limit " + limit + " must be at least 1");
            err.flush();
            return 2;
        }
        ApiClient api = service.client(err);
        ObjectNode all = ApiClient.JSON.createObjectNode();
        ArrayNode entries = all.putArray("entries");
        String next = cursor;
        try {
            while (true) {
                int page = Math.min(1000, limit - entries.size());
                String path = "/v1/recipients/" + enc(address.strip()) + "/timeline?limit=" + page
                        + (stream == null || stream.isBlank() ? "" : "&stream=" + enc(stream.strip()))
                        + (next == null || next.isBlank() ? "" : "&cursor=" + enc(next));
                JsonNode t = api.get(path);
                all.put("address", t.path("address").asString());
                all.set("stream", t.path("stream"));
                for (JsonNode e : t.path("entries")) {
                    entries.add(e);
                    if (!json) out.println(line(e));
                }
                next = t.path("next_cursor").isString() ? t.path("next_cursor").asString() : null;
                if (next == null || entries.size() >= limit) break;
            }
        } catch (ApiClient.Failed f) {
            return f.exitCode;
        }
        all.put("count", entries.size());
        all.put("next_cursor", next);
        if (json) {
            out.println(ApiClient.JSON.writeValueAsString(all));
        } else {
            if (entries.isEmpty()) out.println("no history for " + address.strip() + (stream == null ? "" : " in stream " + stream));
            if (next != null) out.println("more: rebound timeline " + address.strip() + (stream == null ? "" : " --stream " + stream) + " --cursor " + next);
        }
        out.flush();
        return 0;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** One entry as a line: time, stream, kind, what happened, the rule id. */
    static String line(JsonNode e) {
        String head = e.path("at").asString() + "  " + e.path("stream").asString() + "  ";
        return switch (e.path("kind").asString()) {
            case "accepted" -> head + "accepted     message " + e.path("message_id").asString() + " from <" + e.path("mail_from").asString()
                    + "> as " + e.path("state").asString();
            case "attempt" -> head + "attempt #" + e.path("attempt").asInt() + "   " + e.path("phase").asString() + " "
                    + e.path("mx_host").asString() + ": " + String.join(" | ", strings(e.path("reply_lines")))
                    + "  => " + e.path("outcome").asString() + "/" + e.path("reason").asString() + "  [" + e.path("rule").asString() + "]";
            case "dsn", "provider_event" -> head + pad(e.path("kind").asString(), 12) + " " + e.path("provider").asString() + " "
                    + e.path("provider_event").asString() + ": " + e.path("raw_reason").asString() + "  => "
                    + (e.path("outcome").isNull() ? "no outcome" : e.path("outcome").asString() + "/" + e.path("reason").asString())
                    + "  [" + e.path("rule").asString() + "]";
            case "decision" -> head + "decision     " + (e.path("state").isNull() ? "no change" : e.path("state").asString()
                    + (e.path("reason").isNull() ? "" : "/" + e.path("reason").asString()))
                    + (e.path("next_attempt_at").isNull() ? "" : ", next attempt " + e.path("next_attempt_at").asString())
                    + (e.path("suppression_rule").isNull() ? "" : ", suppression " + e.path("suppression_rule").asString())
                    + "  [" + e.path("rule").asString() + "]";
            case "suppression" -> head + "suppression  " + e.path("action").asString() + " " + e.path("state").asString() + "/"
                    + e.path("reason").asString() + (e.path("expires_at").isNull() ? "" : " until " + e.path("expires_at").asString())
                    + " by " + e.path("actor").asString() + (e.path("note").asString().isEmpty() ? "" : " (" + e.path("note").asString() + ")")
                    + "  [" + e.path("rule").asString() + "]";
            default -> head + e;
        };
    }

    private static java.util.List<String> strings(JsonNode a) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode n : a) out.add(n.asString());
        return out;
    }

    private static String pad(String s, int n) {
        return s.length() >= n ? s : s + " ".repeat(n - s.length());
    }
}
