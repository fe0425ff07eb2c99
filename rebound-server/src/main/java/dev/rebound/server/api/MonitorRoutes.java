package dev.rebound.server.api;

import dev.rebound.core.monitor.Metric;
import dev.rebound.server.access.Scope;
import dev.rebound.server.monitor.Rates;
import dev.rebound.server.store.Alert;
import dev.rebound.server.store.OutcomeCounts;
import dev.rebound.server.store.Pause;
import dev.rebound.server.store.ScopedCounts;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rates and alerts: {@code GET /v1/stats} (counts and rates over a sliding window, overall and per domain or
 * stream), {@code GET /v1/alerts}, and the pauses of domains and streams ({@code GET/POST /v1/pauses},
 * {@code DELETE /v1/pauses/{kind}/{scope}} resumes).
 */
final class MonitorRoutes {
    /** The windows of issue 13. */
    static final Map<String, Duration> WINDOWS = Map.of("15m", Duration.ofMinutes(15), "1h", Duration.ofHours(1),
            "24h", Duration.ofHours(24), "7d", Duration.ofDays(7));
    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private final Store store;
    private final Clock clock;

    MonitorRoutes(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/stats", Scope.READ, this::stats), Route.get("/v1/alerts", Scope.READ, this::alerts),
                Route.get("/v1/pauses", Scope.READ, this::pauses), Route.post("/v1/pauses", Scope.ADMIN, this::pause),
                Route.delete("/v1/pauses/{kind}/{scope}", Scope.ADMIN, this::resume));
    }

    /** [from, to): the window's minutes, the current one included, as whole minutes. */
    static Instant[] window(Instant now, Duration window) {
        Instant to = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L).plus(Duration.ofMinutes(1));
        return new Instant[] {to.minus(window), to};
    }

    private void stats(Context ctx) {
        String w = Optional.ofNullable(ctx.queryParam("window")).orElse("1h");
        Duration window = WINDOWS.get(w);
        if (window == null) throw ApiError.invalid("window", w, "expected one of 15m, 1h, 24h, 7d");
        String by = ctx.queryParam("by");
        if (by != null && !by.equals("domain") && !by.equals("stream")) throw ApiError.invalid("by", by, "expected domain or stream (omit it for overall only)");
        int limit = limit(ctx, 100, 1000);
        Instant[] range = window(clock.instant(), window);
        ObjectNode out = Json.object().put("window", w).put("from", range[0].toString()).put("to", range[1].toString());
        OutcomeCounts overall = store.outcomeTotals(range[0], range[1], ScopedCounts.By.OVERALL).stream().findFirst()
                .map(ScopedCounts::counts).orElse(OutcomeCounts.ZERO);
        out.set("overall", scopeJson("", overall));
        if (by != null) {
            out.put("by", by);
            List<ScopedCounts> rows = store.outcomeTotals(range[0], range[1], by.equals("domain") ? ScopedCounts.By.DOMAIN : ScopedCounts.By.STREAM);
            ArrayNode scopes = out.putArray("scopes");
            for (ScopedCounts s : rows.subList(0, Math.min(limit, rows.size()))) scopes.add(scopeJson(s.scope(), s.counts()));
            out.put("truncated", rows.size() > limit);
        }
        ctx.json(out);
    }

    static ObjectNode scopeJson(String scope, OutcomeCounts c) {
        ObjectNode n = Json.object().put("scope", scope);
        n.putObject("counts").put("attempts", c.attempts()).put("deferred", c.deferred()).put("finals", c.finals())
                .put("delivered", c.delivered()).put("hard_bounces", c.hard()).put("soft_bounces", c.soft()).put("blocked", c.blocked())
                .put("complaints", c.complaints());
        ObjectNode rates = n.putObject("rates");
        for (Metric m : Metric.values()) {
            OptionalDouble r = Rates.rate(m, c);
            if (r.isPresent()) rates.put(m.id(), r.getAsDouble());
            else rates.putNull(m.id());
        }
        return n;
    }

    private void alerts(Context ctx) {
        String state = Optional.ofNullable(ctx.queryParam("state")).orElse("all");
        if (!state.equals("open") && !state.equals("all")) throw ApiError.invalid("state", state, "expected open or all");
        int limit = limit(ctx, 100, 1000);
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("alerts");
        for (Alert a : store.alerts(state.equals("open"), limit)) items.add(alertJson(a));
        ArrayNode pauses = out.putArray("pauses");
        for (Pause p : store.pauses()) pauses.add(pauseJson(p));
        ctx.json(out);
    }

    static ObjectNode alertJson(Alert a) {
        ObjectNode n = Json.object().put("id", a.id()).put("state", a.open() ? "open" : "resolved").put("scope_kind", a.scopeKind())
                .put("scope", a.scope()).put("metric", a.metric()).put("level", a.level()).put("rule_id", a.ruleId())
                .put("opened_at", a.openedAt().toString()).put("updated_at", a.updatedAt().toString());
        Json.putInstant(n, "resolved_at", a.resolvedAt());
        n.put("resolve_rule", a.resolveRule().orElse(null));
        n.set("figures", Json.MAPPER.readTree(a.figures()));
        n.set("last_figures", Json.MAPPER.readTree(a.lastFigures()));
        return n;
    }

    static ObjectNode pauseJson(Pause p) {
        return Json.object().put("scope_kind", p.scopeKind()).put("scope", p.scope()).put("reason", p.reason())
                .put("alert_id", p.alertId().orElse(null)).put("actor", p.actor()).put("paused_at", p.pausedAt().toString());
    }

    private void pauses(Context ctx) {
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("pauses");
        for (Pause p : store.pauses()) items.add(pauseJson(p));
        ctx.json(out);
    }

    private void pause(Context ctx) {
        JsonNode req = Json.read(ctx.bodyAsBytes());
        if (req == null || !req.isObject()) throw ApiError.invalid("body", null, "expected a JSON object {\"scope_kind\": \"domain\"|\"stream\", \"scope\": \"...\", \"reason\": \"...\"}");
        for (Iterator<String> it = req.propertyNames().iterator(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("scope_kind", "scope", "reason").contains(f)) throw ApiError.invalid(f, null, "unknown field; expected scope_kind, scope, reason");
        }
        String kind = kind(req.path("scope_kind").asString(""));
        String scope = scope(kind, req.path("scope").asString(""));
        String reason = req.path("reason").asString("").strip();
        if (reason.isEmpty() || reason.length() > 500) throw ApiError.invalid("reason", Json.abbreviate(reason), "give why the scope is paused (1 to 500 characters)");
        Pause p = new Pause(kind, scope, reason, Optional.empty(), ApiServer.caller(ctx), clock.instant());
        boolean created = store.pause(p);
        Pause now = store.pauses().stream().filter(x -> x.scopeKind().equals(kind) && x.scope().equals(scope)).findFirst().orElse(p);
        ctx.status(created ? 201 : 200).json(pauseJson(now));
    }

    private void resume(Context ctx) {
        String kind = kind(ctx.pathParam("kind"));
        String scope = scope(kind, ctx.pathParam("scope"));
        Optional<Pause> removed = store.resume(kind, scope);
        if (removed.isEmpty()) throw ApiError.notFound("scope", scope, "the " + kind + " " + scope + " is not paused (GET /v1/pauses lists the pauses)");
        ctx.json(pauseJson(removed.get()).put("resumed_at", clock.instant().toString()));
    }

    private static String kind(String k) {
        if (!k.equals("domain") && !k.equals("stream")) throw ApiError.invalid("scope_kind", k, "expected domain or stream");
        return k;
    }

    private static String scope(String kind, String s) {
        String v = kind.equals("domain") ? s.strip().toLowerCase(Locale.ROOT) : s.strip();
        if (!SCOPE.matcher(v).matches()) throw ApiError.invalid("scope", Json.abbreviate(s), "expected a recipient domain (e.g. example.com) or a stream name");
        return v;
    }

    private static int limit(Context ctx, int dflt, int max) {
        String l = ctx.queryParam("limit");
        if (l == null) return dflt;
        try {
            int v = Integer.parseInt(l);
            if (v >= 1 && v <= max) return v;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.invalid("limit", l, "expected a whole number from 1 to " + max);
    }
}
