package dev.rebound.server.api;

import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreHealth;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The service's own resources, open without a key: {@code /healthz} (readiness), {@code /livez} (liveness),
 * {@code /metrics} (Prometheus), {@code /openapi.json}.
 */
final class ServiceRoutes {
    private final Store store;
    private final PrometheusMeterRegistry metrics;

    ServiceRoutes(Store store, PrometheusMeterRegistry metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    List<Route> routes() {
        return List.of(Route.get("/healthz", this::health).open(), Route.get("/livez", this::live).open(),
                Route.get("/metrics", this::scrape).open(),
                Route.get("/openapi.json", this::openapi).open());
    }

    /**
     * Readiness: 200 while the store can commit, else 503 with the store's problem (the process is alive:
     * {@code /livez}). The queue figures are added when the store can still be read.
     */
    private void health(Context ctx) {
        StoreHealth sh = store.health();
        ObjectNode n = Json.object().put("status", sh.writable() ? "ok" : "unavailable");
        ObjectNode sn = n.putObject("store").put("writable", sh.writable());
        sh.problem().ifPresent(p -> sn.put("problem", p));
        Json.putInstant(sn, "since", sh.since());
        try {
            QueueStats q = store.queueStats();
            n.put("queue_depth", q.depth()).put("leased", q.leased());
            Json.putInstant(n, "oldest_due_at", q.oldestDueAt());
        } catch (RuntimeException e) {
            n.put("status", "unavailable");
            sn.put("readable", false).put("read_problem", e.getMessage());
        }
        ctx.status(n.get("status").asString().equals("ok") ? 200 : 503).json(n);
    }

    /** Liveness: the process serves HTTP, whatever the store's state. */
    private void live(Context ctx) {
        ctx.json(Json.object().put("status", "ok"));
    }

    private void scrape(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = ServiceRoutes.class.getResourceAsStream("/openapi.json")) {
            ctx.contentType("application/json").result(in.readAllBytes());
        }
    }
}
