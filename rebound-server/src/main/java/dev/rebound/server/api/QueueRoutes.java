package dev.rebound.server.api;

import dev.rebound.server.store.QueueBreakdown;
import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/queue}: depth, the age of the oldest waiting message, and recipients per state ({@code rebound queue}). */
final class QueueRoutes {
    private final Store store;
    private final Clock clock;

    QueueRoutes(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/queue", this::queue));
    }

    private void queue(Context ctx) {
        QueueStats q = store.queueStats();
        QueueBreakdown b = store.queueBreakdown();
        Instant now = clock.instant();
        ObjectNode n = Json.object().put("depth", q.depth()).put("leased", q.leased())
                .put("oldest_age_seconds", b.oldestWaitingQueuedAt().map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(0L));
        Json.putInstant(n, "oldest_due_at", q.oldestDueAt());
        ObjectNode states = n.putObject("by_state");
        b.byState().forEach((state, count) -> states.put(state.name(), count));
        ctx.json(n);
    }
}
