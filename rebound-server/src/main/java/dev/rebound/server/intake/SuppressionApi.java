package dev.rebound.server.intake;

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
final class SuppressionApi {
    private static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 1000, MAX_NOTE = 1000;

    private final HttpApi api;
    private final Store store;

    SuppressionApi(HttpApi api, Store store) {
        this.api = api;
        this.store = store;
    }

    void list(Context ctx) {
        if (!api.authorised(ctx)) return;
        Optional<String> stream = Optional.ofNullable(ctx.queryParam("stream")).filter(s -> !s.isBlank());
        Optional<String> address = Optional.ofNullable(ctx.queryParam("address")).filter(s -> !s.isBlank()).map(String::strip);
        String stateText = ctx.queryParam("state");
        Optional<SuppressionState> state = Optional.empty();
        if (stateText != null && !stateText.isBlank()) {
            try {
                state = Optional.of(SuppressionState.valueOf(stateText.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                HttpApi.error(ctx, 400, "invalid_request", "state", stateText, "expected SUPPRESSED or REVIEW");
                return;
            }
        }
        if (stream.isPresent() && !HttpApi.STREAM.matcher(stream.get()).matches()) {
            HttpApi.error(ctx, 400, "invalid_request", "stream", stream.get(), "a stream name is 1-64 characters of a-z, 0-9, '_', '.', '-'");
            return;
        }
        int limit = DEFAULT_LIMIT;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                HttpApi.error(ctx, 400, "invalid_request", "limit", l, "expected a whole number from 1 to " + MAX_LIMIT);
                return;
            }
        }
        List<Suppression> found = store.suppressions(stream, address, state, limit);
        ObjectNode n = HttpApi.JSON.createObjectNode();
        ArrayNode items = n.putArray("suppressions");
        for (Suppression s : found) items.add(node(s));
        n.put("count", found.size()).put("limit", limit);
        ctx.json(n);
    }

    void get(Context ctx) {
        if (!api.authorised(ctx)) return;
        String stream = ctx.pathParam("stream"), address = ctx.pathParam("address").strip();
        Optional<Suppression> s = store.suppressions(Optional.of(stream), Optional.of(address), Optional.empty(), 1).stream().findFirst();
        List<SuppressionAudit> audit = store.suppressionAudit(address, stream);
        if (s.isEmpty()) {
            ObjectNode n = HttpApi.JSON.createObjectNode().put("error", "not_found").put("field", "address").put("value", address)
                    .put("message", "this address is not on the suppression list of stream '" + stream + "'" + (audit.isEmpty() ? "" : "; its history is in audit"));
            if (!audit.isEmpty()) n.set("audit", auditNode(audit));
            ctx.status(404).json(n);
            return;
        }
        ObjectNode n = node(s.get());
        n.set("audit", auditNode(audit));
        ctx.json(n);
    }

    void delete(Context ctx) {
        if (!api.authorised(ctx)) return;
        String stream = ctx.pathParam("stream"), address = ctx.pathParam("address").strip();
        JsonNode body;
        try {
            body = ctx.body().isBlank() ? null : HttpApi.JSON.readTree(ctx.body());
        } catch (JacksonException e) {
            HttpApi.error(ctx, 400, "invalid_request", "body", null, "the body is not valid JSON: " + e.getOriginalMessage());
            return;
        }
        JsonNode reason = body == null || !body.isObject() ? null : body.get("reason");
        if (reason == null || !reason.isString() || reason.asString().isBlank()) {
            HttpApi.error(ctx, 400, "invalid_request", "reason", reason == null ? null : reason.toString(),
                    "say why the suppression is lifted: send {\"reason\": \"...\"} (kept in the audit trail)");
            return;
        }
        if (reason.asString().length() > MAX_NOTE) {
            HttpApi.error(ctx, 400, "invalid_request", "reason", reason.asString(), "at most " + MAX_NOTE + " characters");
            return;
        }
        JsonNode actorNode = body.get("actor");
        String actor = api.caller(ctx);
        if (actorNode != null && actorNode.isString() && !actorNode.asString().isBlank())
            actor = actorNode.asString().strip().substring(0, Math.min(64, actorNode.asString().strip().length())) + " (" + actor + ")";
        Optional<Suppression> removed = store.removeSuppression(address, stream, actor, reason.asString().strip());
        if (removed.isEmpty()) {
            HttpApi.error(ctx, 404, "not_found", "address", address, "this address is not on the suppression list of stream '" + stream + "'; nothing removed");
            return;
        }
        ObjectNode n = HttpApi.JSON.createObjectNode().put("removed", true);
        n.set("suppression", node(removed.get()));
        n.set("audit", auditNode(store.suppressionAudit(address, stream)));
        ctx.json(n);
    }

    private static ObjectNode node(Suppression s) {
        ObjectNode n = HttpApi.JSON.createObjectNode().put("address", s.address()).put("stream", s.stream())
                .put("state", s.state().name()).put("reason", s.reason()).put("rule", s.ruleId())
                .put("evidence_ref", s.evidenceRef()).put("created_at", s.createdAt().toString());
        HttpApi.putInstant(n, "expires_at", s.expiresAt());
        return n;
    }

    private static ArrayNode auditNode(List<SuppressionAudit> audit) {
        ArrayNode a = HttpApi.JSON.createArrayNode();
        for (SuppressionAudit x : audit) {
            ObjectNode n = a.addObject().put("at", x.at().toString()).put("action", x.action()).put("state", x.state().name())
                    .put("reason", x.reason()).put("rule", x.ruleId()).put("evidence_ref", x.evidenceRef())
                    .put("actor", x.actor()).put("note", x.note());
            HttpApi.putInstant(n, "expires_at", x.expiresAt());
        }
        return a;
    }
}
