package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.store.NodeInfo;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/nodes}: the node registry with each node's heartbeat, state and live leases ({@code rebound nodes}). */
final class NodeRoutes {
    private final Store store;
    private final Clock clock;

    NodeRoutes(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/nodes", Scope.READ, this::nodes));
    }

    private void nodes(Context ctx) {
        Instant now = clock.instant();
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("nodes");
        for (NodeInfo n : store.nodes()) {
            ObjectNode o = list.addObject().put("id", n.id()).put("host", n.host()).put("version", n.version()).put("pid", n.pid())
                    .put("instance", n.instance()).put("state", n.state(now).name());
            Json.putInstant(o, "started_at", Optional.of(n.startedAt()));
            Json.putInstant(o, "last_seen_at", Optional.of(n.lastSeenAt()));
            Json.putInstant(o, "stopped_at", n.stoppedAt());
            o.put("last_seen_seconds_ago", Math.max(0, Duration.between(n.lastSeenAt(), now).toSeconds()))
                    .put("heartbeat_interval_ms", n.heartbeatInterval().toMillis()).put("dead_after_ms", n.deadAfter().toMillis())
                    .put("leased", n.leased());
        }
        ctx.json(body);
    }
}
