package dev.rebound.server.api;

import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.server.access.Scope;
import dev.rebound.server.config.ConfigException;
import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.decide.Replay;
import dev.rebound.server.decide.Suppressions;
import dev.rebound.server.replay.ReplayRun;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/replay} (admin): re-decides the stored evidence of a time range with this build's classification and
 * policies, or with a candidate configuration's thresholds, and reports what would change ({@link ReplayRun}); with
 * {@code apply} it changes the suppression entries that differ. The answer is NDJSON, streamed: {@code start},
 * {@code progress} lines after each page of addresses, then one {@code report} line (or an {@code error} line when the
 * store failed midway; the pages applied before it stay applied, each was its own transaction).
 */
final class ReplayRoutes {
    private static final Pattern AGO = Pattern.compile("(\\d{1,6})(m|h|d)");
    private static final int MAX_CONFIG = 1 << 20;

    private final Store store;
    private final ReboundConfig running;
    private final Clock clock;

    ReplayRoutes(Store store, ReboundConfig running, Clock clock) {
        this.store = store;
        this.running = running;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.post("/v1/replay", Scope.ADMIN, this::replay));
    }

    private void replay(Context ctx) throws IOException {
        JsonNode body = Json.read(ctx.bodyAsBytes());
        if (body == null || !body.isObject())
            throw ApiError.invalid("body", null, "send {\"since\": \"2026-05-01T00:00:00Z\", \"until\": ..., \"config\": \"<candidate YAML>\", \"apply\": false}");
        for (var f : body.properties())
            if (!List.of("since", "until", "config", "apply").contains(f.getKey()))
                throw ApiError.invalid(f.getKey(), f.getValue().toString(), "unknown field; expected since, until, config, apply");
        Instant now = clock.instant();
        Instant since = time(body.get("since"), "since", now, true);
        Instant until = body.hasNonNull("until") ? time(body.get("until"), "until", now, false) : now;
        boolean untilIsNow = !until.isBefore(now);
        if (untilIsNow) until = now;
        if (!since.isBefore(until))
            throw ApiError.invalid("since", since.toString(), "since must be before until (" + until + ")");
        JsonNode apply = body.get("apply");
        if (apply != null && !apply.isNull() && !apply.isBoolean()) throw ApiError.invalid("apply", apply.toString(), "expected true or false");
        if (apply != null && apply.asBoolean(false) && !untilIsNow)
            throw ApiError.invalid("until", until.toString(), "apply needs the range to end now (omit until): what the rules decide up to "
                    + until + " is not what they decide with the evidence received since; run without apply to see it");
        ReboundConfig cfg = running;
        String label = "running";
        JsonNode config = body.get("config");
        if (config != null && !config.isNull()) {
            if (!config.isString()) throw ApiError.invalid("config", config.toString(), "expected the candidate configuration's YAML text as a string");
            if (config.asString().length() > MAX_CONFIG) throw ApiError.invalid("config", null, "the candidate configuration is over 1 MiB");
            try {
                cfg = new ConfigLoader(Map.of()).loadText(config.asString());
            } catch (ConfigException e) {
                throw ApiError.invalid("config", null, "the candidate configuration is not valid: " + e.getMessage());
            }
            label = "candidate";
        }
        ReplyClassifier classifier = ReplyClassifier.standard();
        Replay replay = new Replay(classifier, new AttemptDecider(classifier, cfg.retry()), new Suppressions(cfg.suppressionPolicy()));
        ReplayRun.Options o = new ReplayRun.Options(since, until, untilIsNow, apply != null && apply.asBoolean(false), label,
                running.suppression().releaseWindow());

        ctx.status(200).contentType("application/x-ndjson");
        OutputStream out = ctx.res().getOutputStream();
        line(out, Json.object().put("type", "start").put("since", since.toString()).put("until", until.toString())
                .put("config", label).put("apply", o.apply()));
        try {
            ReplayRun.Report r = ReplayRun.run(store, replay, o, p -> line(out, Json.object().put("type", "progress")
                    .put("done", p.done()).put("total", p.total())));
            ObjectNode report = Views.replay(r);
            report.put("type", "report");
            line(out, report);
        } catch (StoreException e) { // also StoreUnavailableException: the store failed midway
            line(out, Json.object().put("type", "error").put("error", "store_unavailable")
                    .put("message", "the replay stopped: " + e.getMessage() + (o.apply()
                            ? "; pages applied before this line stay applied (each was one transaction); run it again to finish"
                            : "; nothing was changed; run it again")));
        }
    }

    private static void line(OutputStream out, ObjectNode n) {
        try {
            out.write(Json.MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the client went away during the replay", e);
        }
    }

    /** An ISO-8601 instant, a date (its start, UTC), or a duration ago ({@code 30d}, {@code 12h}, {@code 90m}) on the service's clock. */
    static Instant time(JsonNode n, String field, Instant now, boolean required) {
        if (n == null || n.isNull()) {
            if (required) throw ApiError.invalid(field, null, "required: an instant (2026-05-01T00:00:00Z), a date (2026-05-01) or a time ago (30d, 12h)");
            return now;
        }
        String s = n.asString("").strip();
        Matcher m = AGO.matcher(s);
        if (m.matches()) {
            long v = Long.parseLong(m.group(1));
            return now.minus(switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofDays(v);
            });
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw ApiError.invalid(field, s, "expected an instant (2026-05-01T00:00:00Z), a date (2026-05-01) or a time ago (30d, 12h, 90m)");
            }
        }
    }
}
