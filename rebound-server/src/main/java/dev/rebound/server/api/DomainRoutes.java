package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.queue.DomainStatus;
import dev.rebound.server.store.OutcomeCounts;
import dev.rebound.server.store.Pause;
import dev.rebound.server.store.ScopedCounts;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/domains}: per recipient domain, this node's throttle (concurrency, backoff, dead), its pause, and
 * its counts and rates over the last hour; the domains known to the throttle, paused, or with traffic in the hour.
 */
final class DomainRoutes {
    private final Store store;
    private final Clock clock;
    private final Supplier<List<DomainStatus>> throttles;
    private final int maxConcurrency;

    DomainRoutes(Store store, Clock clock, Supplier<List<DomainStatus>> throttles, int maxConcurrency) {
        this.store = store;
        this.clock = clock;
        this.throttles = throttles;
        this.maxConcurrency = maxConcurrency;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/domains", Scope.READ, this::domains));
    }

    private void domains(Context ctx) {
        String filter = Optional.ofNullable(ctx.queryParam("state")).orElse("all");
        if (!List.of("all", "throttled", "dead", "paused").contains(filter))
            throw ApiError.invalid("state", filter, "expected all, throttled (dead, backing off or below the maximum concurrency), dead or paused");
        Instant[] hour = MonitorRoutes.window(clock.instant(), Duration.ofHours(1));
        Map<String, OutcomeCounts> lastHour = new HashMap<>();
        for (ScopedCounts s : store.outcomeTotals(hour[0], hour[1], ScopedCounts.By.DOMAIN)) lastHour.put(s.scope(), s.counts());
        Map<String, DomainStatus> throttle = new HashMap<>();
        for (DomainStatus d : throttles.get()) throttle.put(d.domain(), d);
        Map<String, Pause> paused = new HashMap<>();
        for (Pause p : store.pauses()) if (p.scopeKind().equals("domain")) paused.put(p.scope(), p);
        TreeSet<String> names = new TreeSet<>(lastHour.keySet());
        names.addAll(throttle.keySet());
        names.addAll(paused.keySet());
        names.remove("");
        ObjectNode out = Json.object().put("max_concurrency", maxConcurrency);
        ArrayNode items = out.putArray("domains");
        for (String name : names) {
            DomainStatus t = throttle.get(name);
            Pause p = paused.get(name);
            boolean throttled = t != null && t.throttled(maxConcurrency);
            boolean dead = t != null && t.deadUntil().isPresent();
            boolean keep = switch (filter) {
                case "throttled" -> throttled;
                case "dead" -> dead;
                case "paused" -> p != null;
                default -> true;
            };
            if (!keep) continue;
            ObjectNode n = items.addObject().put("domain", name);
            ObjectNode th = n.putObject("throttle");
            if (t == null) {
                th.put("known", false);
            } else {
                th.put("known", true).put("concurrency_limit", t.concurrencyLimit()).put("in_flight", t.inFlight())
                        .put("connection_delay_ms", t.connectionDelay().toMillis()).put("dead", dead)
                        .put("connection_failures", t.connectionFailures()).put("throttled", throttled)
                        .put("updated_at", t.updatedAt().toString());
                Json.putInstant(th, "dead_until", t.deadUntil());
            }
            if (p == null) n.putNull("pause");
            else n.set("pause", MonitorRoutes.pauseJson(p));
            n.set("last_hour", MonitorRoutes.scopeJson(name, lastHour.getOrDefault(name, OutcomeCounts.ZERO)));
        }
        ctx.json(out);
    }
}
