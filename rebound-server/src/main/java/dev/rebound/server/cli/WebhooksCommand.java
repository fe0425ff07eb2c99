package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
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

/**
 * {@code rebound webhooks list|deliveries|log|redeliver|replay|enable|disable}: the running service's outbound webhook
 * endpoints through {@code /v1/webhooks} (URL and key from the flags or {@code REBOUND_URL} / {@code REBOUND_API_KEY}).
 * Only calls the API: every rule (states, cursors, limits, time ranges) is the service's, and a refusal prints the
 * API's error with the field and the value it quotes.
 */
@Command(name = "webhooks", mixinStandardHelpOptions = true,
        description = {
                "The running service's outbound webhook endpoints (/v1/webhooks): list them with their state, pending count and since "
                        + "when they fail; page through an endpoint's deliveries and its attempt log; redeliver one event or replay a time "
                        + "range after an outage of the application; enable an endpoint that was disabled (or disable one).",
                "Needs a key with the webhooks scope when the service uses keys. Endpoints are created, changed and rotated through "
                        + "the API or the config file (webhooks.endpoints)."
        },
        subcommands = {WebhooksCommand.ListEndpoints.class, WebhooksCommand.Deliveries.class, WebhooksCommand.Log.class,
                WebhooksCommand.Redeliver.class, WebhooksCommand.Replay.class, WebhooksCommand.Enable.class, WebhooksCommand.Disable.class})
final class WebhooksCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    static String enc(String s) {
        return URLEncoder.encode(s.strip(), StandardCharsets.UTF_8);
    }

    static String endpointPath(String id) {
        return "/v1/webhooks/" + enc(id);
    }

    /** A JSON value as a table cell: "-" for null or missing. */
    static String cell(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asString();
    }

    /** " --name value", or "" when the value is absent (the flags repeated in a next-page command). */
    static String flag(String name, String value) {
        return value == null || value.isBlank() ? "" : " --" + name + " " + value.strip();
    }

    /** What one paged list prints of a page besides the API's JSON: its rows, then the line after them. */
    interface PageTable {
        void print(PrintWriter out, JsonNode page);
    }

    /**
     * GETs one page of a paged list ({@code path?query}) and prints it: the API's JSON with {@code --json}, else the
     * table, and when there are more pages the command that shows the next one ({@code again} plus its cursor).
     */
    static void page(ApiClient api, PrintWriter out, String path, StringBuilder query, boolean json, PageTable table, String again)
            throws ApiClient.Failed, InterruptedException {
        JsonNode page = api.get(path + (query.isEmpty() ? "" : "?" + query));
        if (json) {
            out.println(ApiClient.JSON.writeValueAsString(page));
            return;
        }
        table.print(out, page);
        if (page.path("next_cursor").isString()) out.println("more: " + again + " --cursor " + page.path("next_cursor").asString());
    }

    /** Runs one API call and prints its answer; a refusal (already explained on stderr) gives its exit code. */
    interface Call {
        void run(ApiClient api, PrintWriter out) throws ApiClient.Failed, InterruptedException;
    }

    static int call(CommandSpec spec, ApiOptions service, Call call) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            call.run(service.client(err), out);
        } catch (ApiClient.Failed f) {
            out.flush();
            return f.exitCode;
        }
        out.flush();
        return 0;
    }

    // ---- list -------------------------------------------------------------------------------------------------

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the endpoints: id, source (api or config), state (the reason when disabled), final-only, the number of "
                    + "events pending and the oldest one's time, since when every attempt fails, and the URL.",
                    "Reads GET /v1/webhooks and GET /v1/webhooks/{id} for each endpoint's pending count."})
    static final class ListEndpoints implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Option(names = "--json", description = "print {\"endpoints\": [...]} with each endpoint as GET /v1/webhooks/{id} answers it") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            return WebhooksCommand.call(spec, service, (api, out) -> {
                ObjectNode all = ApiClient.JSON.createObjectNode();
                ArrayNode endpoints = all.putArray("endpoints");
                for (JsonNode e : api.get("/v1/webhooks").path("endpoints")) endpoints.add(api.get(endpointPath(e.path("id").asString())));
                if (json) {
                    out.println(ApiClient.JSON.writeValueAsString(all));
                    return;
                }
                if (endpoints.isEmpty()) {
                    out.println("no webhook endpoints (create one with POST /v1/webhooks or in the config file's webhooks.endpoints)");
                    return;
                }
                out.println(String.format(Locale.ROOT, "%-35s %-6s %-8s %-10s %7s  %-24s %-24s %s", "ID", "SOURCE", "STATE", "FINAL-ONLY",
                        "PENDING", "OLDEST PENDING", "FAILING SINCE", "URL"));
                for (JsonNode e : endpoints) {
                    boolean enabled = e.path("enabled").asBoolean();
                    out.println(String.format(Locale.ROOT, "%-35s %-6s %-8s %-10s %7d  %-24s %-24s %s", e.path("id").asString(),
                            e.path("source").asString(), enabled ? "enabled" : "disabled", e.path("final_only").asBoolean() ? "yes" : "no",
                            e.path("pending").asLong(), cell(e.get("oldest_pending_event_at")), cell(e.get("failing_since")), e.path("url").asString()));
                    if (!enabled) out.println("  disabled: " + e.path("state_reason").asString()
                            + "  (rebound webhooks enable " + e.path("id").asString() + "; replay the outage for deliveries that failed)");
                }
                out.println(endpoints.size() + (endpoints.size() == 1 ? " endpoint" : " endpoints"));
            });
        }
    }

    // ---- deliveries, log --------------------------------------------------------------------------------------

    @Command(name = "deliveries", mixinStandardHelpOptions = true,
            description = {"One page of an endpoint's deliveries, newest event first (--order asc for the oldest first): the event, its "
                    + "type, state, attempts, last HTTP status (- when none or no answer) and error, and when it is tried next.",
                    "Reads GET /v1/webhooks/{id}/deliveries; when there are more, prints the --cursor of the next page."})
    static final class Deliveries implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_..., see rebound webhooks list)") String id;
        @Option(names = "--state", paramLabel = "STATE", description = "only pending, delivered or failed") String state;
        @Option(names = "--limit", paramLabel = "N", description = "deliveries per page, 1-1000 (the service's default: 100)") String limit;
        @Option(names = "--cursor", paramLabel = "C", description = "the page after this cursor (printed after a page; it keeps the page's order)") String cursor;
        @Option(names = "--order", paramLabel = "ORDER", description = "desc (newest event first, the default) or asc") String order;
        @Option(names = "--json", description = "print the API's JSON answer as it is") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            StringBuilder q = new StringBuilder();
            SuppressionsCommand.add(q, "state", state);
            SuppressionsCommand.add(q, "order", order);
            SuppressionsCommand.add(q, "limit", limit);
            SuppressionsCommand.add(q, "cursor", cursor);
            return WebhooksCommand.call(spec, service, (api, out) -> page(api, out, endpointPath(id) + "/deliveries", q, json, (o, page) -> {
                JsonNode items = page.path("deliveries");
                o.println(String.format(Locale.ROOT, "%-36s %-22s %-9s %8s %6s  %-24s %-24s %s", "EVENT", "TYPE", "STATE", "ATTEMPTS",
                        "STATUS", "EVENT AT", "NEXT ATTEMPT", "LAST ERROR"));
                for (JsonNode d : items) {
                    o.println(String.format(Locale.ROOT, "%-36s %-22s %-9s %8d %6s  %-24s %-24s %s", d.path("webhook_id").asString(),
                            d.path("event_type").asString(), d.path("state").asString(), d.path("attempts").asInt(),
                            d.path("last_status").asInt() == 0 ? "-" : String.valueOf(d.path("last_status").asInt()),
                            d.path("event_created_at").asString(), cell(d.get("next_attempt_at")),
                            d.path("last_error").asString("").isEmpty() ? "-" : d.path("last_error").asString()));
                }
                o.println(items.size() + (items.size() == 1 ? " delivery" : " deliveries") + " (order " + page.path("order").asString() + ")");
            }, "rebound webhooks deliveries " + id.strip() + flag("state", state) + flag("limit", limit)));
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = {"One page of an endpoint's attempt log, newest first: when, the event, the attempt number, the HTTP status "
                    + "(- when no answer came), the latency, the error and the start of the answer.",
                    "Reads GET /v1/webhooks/{id}/log; when there are more, prints the --cursor of the next page."})
    static final class Log implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_...)") String id;
        @Option(names = "--event", paramLabel = "EVENT_ID", description = "only this event's attempts (evt_... or its id)") String event;
        @Option(names = "--limit", paramLabel = "N", description = "attempts per page, 1-1000 (the service's default: 100)") String limit;
        @Option(names = "--cursor", paramLabel = "C", description = "the page after this cursor (printed after a page)") String cursor;
        @Option(names = "--json", description = "print the API's JSON answer as it is") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            StringBuilder q = new StringBuilder();
            SuppressionsCommand.add(q, "event_id", event);
            SuppressionsCommand.add(q, "limit", limit);
            SuppressionsCommand.add(q, "cursor", cursor);
            return WebhooksCommand.call(spec, service, (api, out) -> page(api, out, endpointPath(id) + "/log", q, json, (o, page) -> {
                JsonNode items = page.path("attempts");
                o.println(String.format(Locale.ROOT, "%-24s %-36s %3s %6s %9s  %s", "ATTEMPTED AT", "EVENT", "#", "STATUS", "LATENCY", "ERROR / ANSWER"));
                for (JsonNode a : items) {
                    int status = a.path("status_code").asInt();
                    String error = a.path("error").asString("");
                    String answer = a.path("response").asString("").replaceAll("\\s+", " ").strip();
                    if (answer.length() > 80) answer = answer.substring(0, 80) + "...";
                    o.println(String.format(Locale.ROOT, "%-24s %-36s %3d %6s %7dms  %s", a.path("attempted_at").asString(),
                            "evt_" + a.path("event_id").asString(), a.path("attempt").asInt(), status == 0 ? "-" : String.valueOf(status),
                            a.path("latency_ms").asLong(), error.isEmpty() ? answer : answer.isEmpty() ? error : error + " | " + answer));
                }
                o.println(items.size() + (items.size() == 1 ? " attempt" : " attempts"));
            }, "rebound webhooks log " + id.strip() + flag("event", event) + flag("limit", limit)));
        }
    }

    // ---- redeliver, replay ------------------------------------------------------------------------------------

    static String requeued(JsonNode r) {
        return r.path("requeued").asLong() + " requeued, " + r.path("added").asLong() + " added (events with no delivery row yet: delivered at the first try, or never sent here), "
                + r.path("in_flight").asLong() + " in flight (being sent right now, left as they are)";
    }

    @Command(name = "redeliver", mixinStandardHelpOptions = true,
            description = {"Send one event to the endpoint again, now, with a fresh retry schedule (the same webhook-id: the application "
                    + "deduplicates on it). Refused while that event is being sent.",
                    "Calls POST /v1/webhooks/{id}/events/{event_id}/redeliver."})
    static final class Redeliver implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_...)") String id;
        @Parameters(index = "1", paramLabel = "EVENT_ID", description = "the event (evt_... as in deliveries and log, or its id)") String eventId;
        @Option(names = "--json", description = "print the API's JSON answer as it is") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            return WebhooksCommand.call(spec, service, (api, out) -> {
                JsonNode r = api.send("POST", endpointPath(id) + "/events/" + enc(eventId) + "/redeliver", null);
                out.println(json ? ApiClient.JSON.writeValueAsString(r) : "redeliver " + eventId.strip() + " to " + id.strip() + ": " + requeued(r));
            });
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Send again every event created in [--from, --to) that the endpoint subscribes to, in outbox order, each "
                    + "with a fresh retry schedule (after an outage of the application; enable a disabled endpoint first).",
                    "Calls POST /v1/webhooks/{id}/replay."})
    static final class Replay implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_...)") String id;
        @Option(names = "--from", required = true, paramLabel = "T", description = "start, an RFC 3339 UTC instant (2026-12-04T08:00:00Z)") String from;
        @Option(names = "--to", paramLabel = "T", description = "end, excluded, same form (default: now)") String to;
        @Option(names = "--json", description = "print the API's JSON answer as it is") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            ObjectNode body = ApiClient.JSON.createObjectNode().put("from", from.strip());
            if (to != null && !to.isBlank()) body.put("to", to.strip());
            return WebhooksCommand.call(spec, service, (api, out) -> {
                JsonNode r = api.send("POST", endpointPath(id) + "/replay", ApiClient.JSON.writeValueAsString(body));
                out.println(json ? ApiClient.JSON.writeValueAsString(r)
                        : "replay " + r.path("from").asString() + " .. " + r.path("to").asString() + " to " + id.strip() + ": " + requeued(r));
            });
        }
    }

    // ---- enable, disable --------------------------------------------------------------------------------------

    static int setEnabled(CommandSpec spec, ApiOptions service, String id, boolean enabled) throws InterruptedException {
        return call(spec, service, (api, out) -> {
            JsonNode e = api.send("PATCH", endpointPath(id), "{\"enabled\":" + enabled + "}");
            out.println(e.path("id").asString() + " " + (e.path("enabled").asBoolean() ? "enabled" : "disabled: " + e.path("state_reason").asString())
                    + "  " + e.path("url").asString());
        });
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Enable an endpoint (one disabled after failing for webhooks.disable-after, or by hand): new events go to it "
                    + "again and the deliveries kept pending while it was disabled are sent; those that failed for good (retries used up) are "
                    + "sent again by a replay of the outage (rebound webhooks replay) or one by one (redeliver).",
                    "Calls PATCH /v1/webhooks/{id} {\"enabled\": true}."})
    static final class Enable implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_...)") String id;

        @Override
        public Integer call() throws InterruptedException {
            return setEnabled(spec, service, id, true);
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Disable an endpoint (reason: disabled through the API): nothing is sent to it; its events are kept, their "
                    + "deliveries pending until it is enabled again.", "Calls PATCH /v1/webhooks/{id} {\"enabled\": false}."})
    static final class Disable implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint (wh_...)") String id;

        @Override
        public Integer call() throws InterruptedException {
            return setEnabled(spec, service, id, false);
        }
    }
}
