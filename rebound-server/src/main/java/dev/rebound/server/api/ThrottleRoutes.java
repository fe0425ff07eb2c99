package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.queue.ThrottleView;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/throttle}: this node's per-domain throttles (the scheduler's in-memory state of the core
 * {@code ThrottleController}): allowed concurrency and transactions in flight, the delay between connections, a dead
 * domain's probe time, and the status that says why a domain is slowed. Other nodes have their own.
 */
final class ThrottleRoutes {
    private final Supplier<List<ThrottleView>> throttles;
    private final String node;
    private final Clock clock;

    ThrottleRoutes(Supplier<List<ThrottleView>> throttles, String node, Clock clock) {
        this.throttles = throttles;
        this.node = node;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/throttle", Scope.READ, this::list));
    }

    private void list(Context ctx) {
        ObjectNode out = Json.object().put("node", node).put("at", clock.instant().toString());
        ArrayNode items = out.putArray("domains");
        for (ThrottleView t : throttles.get()) {
            ObjectNode n = items.addObject().put("domain", t.domain()).put("status", t.status().name().toLowerCase(Locale.ROOT))
                    .put("concurrency", t.concurrency()).put("in_flight", t.inFlight()).put("connection_delay_ms", t.connectionDelay().toMillis());
            Json.putInstant(n, "dead_until", t.deadUntil());
            n.put("deferrals", t.deferrals()).put("rate_limits", t.rateLimits()).put("connection_failures", t.connectionFailures());
            Json.putInstant(n, "last_decrease_at", t.lastDecreaseAt());
            n.put("updated_at", t.updatedAt().toString());
        }
        ctx.json(out);
    }
}
