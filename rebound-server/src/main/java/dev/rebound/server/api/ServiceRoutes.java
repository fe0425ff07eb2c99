package dev.rebound.server.api;

import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** The service's own resources, open without a key: {@code /healthz}, {@code /metrics} (Prometheus), {@code /openapi.json}. */
final class ServiceRoutes {
    private final Store store;
    private final PrometheusMeterRegistry metrics;

    ServiceRoutes(Store store, PrometheusMeterRegistry metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    List<Route> routes() {
        return List.of(Route.get("/healthz", this::health).open(), Route.get("/metrics", this::scrape).open(),
                Route.get("/openapi.json", this::openapi).open());
    }

    private void health(Context ctx) {
        QueueStats q = store.queueStats();
        ObjectNode n = Json.object().put("status", "ok").put("queue_depth", q.depth()).put("leased", q.leased());
        Json.putInstant(n, "oldest_due_at", q.oldestDueAt());
        ctx.json(n);
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
