package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.config.StreamName;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.Timeline;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/recipients/{address}/timeline}: everything Rebound knows about one address in time order (messages
 * accepted for it, attempts with their reply lines, DSN records and provider events with their raw payload, the
 * decision and rule of each, suppression list changes), a page at a time ({@code limit}, {@code cursor}).
 */
final class RecipientRoutes {
    static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 1000;

    private final Store store;

    RecipientRoutes(Store store) {
        this.store = store;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/recipients/{address}/timeline", Scope.READ, this::timeline));
    }

    private void timeline(Context ctx) {
        String address = ctx.pathParam("address").strip();
        if (address.isEmpty() || address.length() > 512 || !address.contains("@"))
            throw ApiError.invalid("address", address, "expected an email address, e.g. /v1/recipients/bob@example.com/timeline");
        Optional<String> stream = Optional.ofNullable(ctx.queryParam("stream")).map(String::strip).filter(s -> !s.isEmpty());
        if (stream.isPresent() && !StreamName.valid(stream.get())) throw ApiError.invalid("stream", stream.get(), StreamName.EXPECTED);
        int limit = DEFAULT_LIMIT;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) throw ApiError.invalid("limit", l, "expected a whole number from 1 to " + MAX_LIMIT);
        }
        Optional<Timeline.Cursor> after = ApiError.cursor(ctx, Timeline.Cursor::parse,
                "not a cursor of this API: pass the next_cursor of the previous page as it was given");
        ctx.json(Views.timeline(store.timeline(address, stream, after, limit), limit));
    }
}
