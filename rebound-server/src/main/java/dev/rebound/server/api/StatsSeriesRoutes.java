package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.OutcomeCounts;
import dev.rebound.server.store.ScopedCounts;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/stats/series}: the rates of {@code GET /v1/stats} over time, one point per step of the window (the
 * dashboard's rate plots), with the alert ceilings in force ({@code monitor.*}: by default SES's 5 % / 10 % for hard
 * bounces and 0.1 % / 0.5 % for complaints) so a plot draws the lines the alerts use. Each point is one
 * {@link Store#outcomeTotals} over the stored per-minute counts of its step; the last step ends with the current minute.
 */
final class StatsSeriesRoutes {
    /** Window → step: 12, 24 and 28 points. */
    static final Map<String, Duration[]> WINDOWS = Map.of("1h", new Duration[] {Duration.ofHours(1), Duration.ofMinutes(5)},
            "24h", new Duration[] {Duration.ofHours(24), Duration.ofHours(1)}, "7d", new Duration[] {Duration.ofDays(7), Duration.ofHours(6)});

    private final Store store;
    private final Clock clock;
    private final ReboundConfig.Monitor monitor;

    StatsSeriesRoutes(Store store, Clock clock, ReboundConfig.Monitor monitor) {
        this.store = store;
        this.clock = clock;
        this.monitor = monitor;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/stats/series", Scope.READ, this::series));
    }

    private void series(Context ctx) {
        String w = Optional.ofNullable(ctx.queryParam("window")).map(String::strip).orElse("24h");
        Duration[] ws = WINDOWS.get(w);
        if (ws == null) throw ApiError.invalid("window", w, "expected one of 1h (5-minute steps), 24h (hourly), 7d (6-hourly)");
        Instant[] range = MonitorRoutes.window(clock.instant(), ws[0]);
        ObjectNode out = Json.object().put("window", w).put("step", step(ws[1])).put("from", range[0].toString()).put("to", range[1].toString());
        ObjectNode limits = out.putObject("thresholds");
        limits.putObject("hard_bounce").put("warn", monitor.hardBounceWarn()).put("critical", monitor.hardBounceCritical());
        limits.putObject("complaint").put("warn", monitor.complaintWarn()).put("critical", monitor.complaintCritical());
        ArrayNode points = out.putArray("points");
        for (Instant t = range[0]; t.isBefore(range[1]); t = t.plus(ws[1])) {
            Instant end = t.plus(ws[1]);
            OutcomeCounts c = store.outcomeTotals(t, end, ScopedCounts.By.OVERALL).stream().findFirst()
                    .map(ScopedCounts::counts).orElse(OutcomeCounts.ZERO);
            ObjectNode p = MonitorRoutes.scopeJson("", c);
            p.remove("scope");
            points.add(Json.object().put("from", t.toString()).put("to", end.toString()).setAll(p));
        }
        ctx.json(out);
    }

    private static String step(Duration d) {
        return d.toHours() >= 1 && d.toMinutesPart() == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }
}
