package dev.rebound.server.api;

import dev.rebound.server.config.StreamName;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionAudit;
import dev.rebound.server.store.SuppressionState;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Suppression list management: list (filter by stream, address, state), read one entry with its audit trail,
 * and safe removal. A removal needs a written reason and is recorded in the audit table with who asked (the
 * caller's API-key fingerprint, plus an optional {@code actor} name from the body) in the same transaction as
 * the delete; entries the policies create are audited by the store as actor {@code policy}. Entries in state
 * {@code REVIEW} (e.g. the domain circuit breaker turned a suppression into a review) are listed for a human and
 * never block sending; removing one closes the review.
 */
final class SuppressionRoutes {
    private static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 1000, MAX_NOTE = 1000;

    private final Store store;
    private final ApiServer.ApiKeys keys;

    SuppressionRoutes(Store store, ApiServer.ApiKeys keys) {
        this.store = store;
        this.keys = keys;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/suppressions", this::list), Route.get("/v1/suppressions/{stream}/{address}", this::get),
                Route.delete("/v1/suppressions/{stream}/{address}", this::delete));
    }

    private void list(Context ctx) {
        Optional<String> stream = Optional.ofNullable(ctx.queryParam("stream")).filter(s -> !s.isBlank());
        Optional<String> address = Optional.ofNullable(ctx.queryParam("address")).filter(s -> !s.isBlank()).map(String::strip);
        String stateText = ctx.queryParam("state");
        Optional<SuppressionState> state = Optional.empty();
        if (stateText != null && !stateText.isBlank()) {
            try {
                state = Optional.of(SuppressionState.valueOf(stateText.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("state", stateText, "expected SUPPRESSED or REVIEW");
            }
        }
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
        List<Suppression> found = store.suppressions(stream, address, state, limit);
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("suppressions");
        for (Suppression s : found) items.add(Views.suppression(s));
        n.put("count", found.size()).put("limit", limit);
        ctx.json(n);
    }

    private void get(Context ctx) {
        String stream = ctx.pathParam("stream"), address = ctx.pathParam("address").strip();
        Optional<Suppression> s = store.suppressions(Optional.of(stream), Optional.of(address), Optional.empty(), 1).stream().findFirst();
        List<SuppressionAudit> audit = store.suppressionAudit(address, stream);
        if (s.isEmpty()) {
            ApiError e = ApiError.notFound("address", address, "this address is not on the suppression list of stream '" + stream + "'"
                    + (audit.isEmpty() ? "" : "; its history is in audit"));
            throw audit.isEmpty() ? e : e.with("audit", Views.audit(audit));
        }
        ObjectNode n = Views.suppression(s.get());
        n.set("audit", Views.audit(audit));
        ctx.json(n);
    }

    private void delete(Context ctx) {
        String stream = ctx.pathParam("stream"), address = ctx.pathParam("address").strip();
        JsonNode body;
        try {
            body = ctx.body().isBlank() ? null : Json.MAPPER.readTree(ctx.body());
        } catch (JacksonException e) {
            throw ApiError.invalid("body", null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode reason = body == null || !body.isObject() ? null : body.get("reason");
        if (reason == null || !reason.isString() || reason.asString().isBlank())
            throw ApiError.invalid("reason", reason == null ? null : reason.toString(),
                    "say why the suppression is lifted: send {\"reason\": \"...\"} (kept in the audit trail)");
        if (reason.asString().length() > MAX_NOTE) throw ApiError.invalid("reason", reason.asString(), "at most " + MAX_NOTE + " characters");
        JsonNode actorNode = body.get("actor");
        String actor = keys.caller(ctx);
        if (actorNode != null && actorNode.isString() && !actorNode.asString().isBlank())
            actor = actorNode.asString().strip().substring(0, Math.min(64, actorNode.asString().strip().length())) + " (" + actor + ")";
        Suppression removed = store.removeSuppression(address, stream, actor, reason.asString().strip()).orElseThrow(() ->
                ApiError.notFound("address", address, "this address is not on the suppression list of stream '" + stream + "'; nothing removed"));
        ObjectNode n = Json.object().put("removed", true);
        n.set("suppression", Views.suppression(removed));
        n.set("audit", Views.audit(store.suppressionAudit(address, stream)));
        ctx.json(n);
    }
}
