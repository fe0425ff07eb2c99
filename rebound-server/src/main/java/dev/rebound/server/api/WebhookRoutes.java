package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.webhooks.EndpointRules;
import dev.rebound.server.webhooks.EventTypes;
import dev.rebound.server.webhooks.Webhooks;
import dev.rebound.server.store.WebhookStore.Endpoint;
import dev.rebound.server.store.WebhookStore.EndpointState;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/webhooks}: endpoints (create returns the secret once; list, get, update, delete, rotate the secret),
 * their deliveries and attempt log, redelivery of one event and replay of a time range. Endpoints from the config
 * file ({@code source: config}) can be enabled, disabled and replayed here; their URL, filters and secret belong
 * to the file. Errors are {@code {"error", "field", "value", "message"}} like the rest of the API.
 */
final class WebhookRoutes {
    private static final JsonMapper JSON = Json.MAPPER;
    private static final Set<String> CREATE_FIELDS = Set.of("url", "secret", "event_types", "streams", "final_only", "description");
    private static final Set<String> PATCH_FIELDS = Set.of("url", "event_types", "streams", "final_only", "description", "enabled");
    private static final Duration DEFAULT_ROTATION = Duration.ofHours(24);

    private final WebhookStore store;
    private final EndpointRules rules;
    private final Clock clock;
    private final Runnable wake;

    WebhookRoutes(Webhooks webhooks, Clock clock) {
        this.store = webhooks.store();
        this.rules = webhooks.rules();
        this.clock = clock;
        this.wake = webhooks::wake;
    }

    List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/webhooks", this::create, Optional.of(Scope.WEBHOOKS)),
                new Route("GET", "/v1/webhooks", this::list, Optional.of(Scope.WEBHOOKS)),
                new Route("GET", "/v1/webhooks/{id}", this::get, Optional.of(Scope.WEBHOOKS)),
                new Route("PATCH", "/v1/webhooks/{id}", this::update, Optional.of(Scope.WEBHOOKS)),
                new Route("DELETE", "/v1/webhooks/{id}", this::delete, Optional.of(Scope.WEBHOOKS)),
                new Route("POST", "/v1/webhooks/{id}/rotate", this::rotate, Optional.of(Scope.WEBHOOKS)),
                new Route("GET", "/v1/webhooks/{id}/deliveries", this::deliveries, Optional.of(Scope.WEBHOOKS)),
                new Route("GET", "/v1/webhooks/{id}/log", this::log, Optional.of(Scope.WEBHOOKS)),
                new Route("POST", "/v1/webhooks/{id}/events/{event_id}/redeliver", this::redeliver, Optional.of(Scope.WEBHOOKS)),
                new Route("POST", "/v1/webhooks/{id}/replay", this::replay, Optional.of(Scope.WEBHOOKS)));
    }

    // ---- handlers ---------------------------------------------------------------------------------------

    private void create(Context ctx) {
        JsonNode req = body(ctx, CREATE_FIELDS);
        if (req == null) return;
        try {
            String url = rules.url("url", text(req, "url", true));
            String given = text(req, "secret", false);
            String secret = given.isEmpty() ? EndpointRules.newSecret() : EndpointRules.secret("secret", given);
            List<String> types = EndpointRules.eventTypes("event_types", strings(req, "event_types"));
            List<String> streams = EndpointRules.streams("streams", strings(req, "streams"));
            boolean finalOnly = bool(req, "final_only", true);
            EndpointRules.consistent(finalOnly, types);
            Instant now = clock.instant();
            Endpoint e = store.save(new Endpoint("wh_" + WebhookStore.newId(), "api", url, secret, Optional.empty(), Optional.empty(),
                    types, streams, finalOnly, EndpointState.ENABLED, "", Optional.empty(), text(req, "description", false), now, now));
            ObjectNode out = endpointJson(e);
            out.put("secret", secret);
            ctx.status(201).json(out);
            wake.run();
        } catch (EndpointRules.Invalid e) {
            throw new ApiError(400, "invalid_request", e.field, e.value, e.getMessage());
        }
    }

    private void list(Context ctx) {
        ArrayNode items = JSON.createArrayNode();
        for (Endpoint e : store.endpoints()) items.add(endpointJson(e));
        ObjectNode out = JSON.createObjectNode();
        out.set("endpoints", items);
        ctx.json(out);
    }

    private void get(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        ObjectNode out = endpointJson(e.get());
        WebhookStore.Pending p = store.pending().stream().filter(x -> x.endpointId().equals(e.get().id())).findFirst()
                .orElse(new WebhookStore.Pending(e.get().id(), 0, Optional.empty()));
        out.put("pending", p.count());
        putInstant(out, "oldest_pending_event_at", p.oldestEventAt());
        ctx.json(out);
    }

    private void update(Context ctx) {
        Optional<Endpoint> found = found(ctx);
        if (found.isEmpty()) return;
        JsonNode req = body(ctx, PATCH_FIELDS);
        if (req == null) return;
        Endpoint e = found.get();
        if (e.source().equals("config")) {
            for (String f : List.of("url", "event_types", "streams", "final_only", "description"))
                if (req.has(f)) {
                    throw new ApiError(409, "conflict", f, null, "endpoint " + e.id() + " is defined in the config file (webhooks.endpoints): change it there; only enabled can be set here");
                }
        }
        try {
            String url = req.has("url") ? rules.url("url", text(req, "url", true)) : e.url();
            List<String> types = req.has("event_types") ? EndpointRules.eventTypes("event_types", strings(req, "event_types")) : e.eventTypes();
            List<String> streams = req.has("streams") ? EndpointRules.streams("streams", strings(req, "streams")) : e.streams();
            boolean finalOnly = bool(req, "final_only", e.finalOnly());
            EndpointRules.consistent(finalOnly, types);
            EndpointState state = e.state();
            String reason = e.stateReason();
            if (req.has("enabled")) {
                boolean enabled = bool(req, "enabled", true);
                state = enabled ? EndpointState.ENABLED : EndpointState.DISABLED;
                reason = enabled ? "" : "disabled through the API";
            }
            Endpoint saved = store.save(new Endpoint(e.id(), e.source(), url, e.secret(), e.oldSecret(), e.oldSecretUntil(), types,
                    streams, finalOnly, state, reason, e.failingSince(), req.has("description") ? text(req, "description", false) : e.description(),
                    e.createdAt(), clock.instant()));
            ctx.json(endpointJson(saved));
            wake.run();
        } catch (EndpointRules.Invalid ex) {
            throw new ApiError(400, "invalid_request", ex.field, ex.value, ex.getMessage());
        }
    }

    private void delete(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        if (e.get().source().equals("config")) {
            throw new ApiError(409, "conflict", "id", e.get().id(), "endpoint " + e.get().id() + " is defined in the config file (webhooks.endpoints): remove it there");
        }
        store.delete(e.get().id());
        ctx.status(204);
    }

    /**
     * A new secret; the old one keeps signing (both signatures are sent) for {@code old_secret_valid_for}
     * (default 24h; "0s" ends it at once).
     */
    private void rotate(Context ctx) {
        Optional<Endpoint> found = found(ctx);
        if (found.isEmpty()) return;
        Endpoint e = found.get();
        if (e.source().equals("config")) {
            throw new ApiError(409, "conflict", "id", e.id(), "endpoint " + e.id() + " is defined in the config file: rotate with its secret and previous-secret keys");
        }
        JsonNode req = ctx.body().isBlank() ? JSON.createObjectNode() : body(ctx, Set.of("old_secret_valid_for", "secret"));
        if (req == null) return;
        try {
            Duration keep = DEFAULT_ROTATION;
            String text = text(req, "old_secret_valid_for", false);
            if (!text.isEmpty()) keep = duration("old_secret_valid_for", text);
            String given = text(req, "secret", false);
            String secret = given.isEmpty() ? EndpointRules.newSecret() : EndpointRules.secret("secret", given);
            Instant now = clock.instant();
            Endpoint saved = store.save(new Endpoint(e.id(), e.source(), e.url(), secret, Optional.of(e.secret()), Optional.of(now.plus(keep)),
                    e.eventTypes(), e.streams(), e.finalOnly(), e.state(), e.stateReason(), e.failingSince(), e.description(), e.createdAt(), now));
            ObjectNode out = endpointJson(saved);
            out.put("secret", secret);
            ctx.json(out);
        } catch (EndpointRules.Invalid ex) {
            throw new ApiError(400, "invalid_request", ex.field, ex.value, ex.getMessage());
        }
    }

    /**
     * One page of the endpoint's deliveries ({@code state}, {@code order} asc|desc (default desc: newest event
     * first), {@code cursor}, {@code limit}); {@code next_cursor} continues it, null on the last page.
     */
    private void deliveries(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        String st = ctx.queryParam("state");
        Optional<WebhookStore.DeliveryState> state = Optional.empty();
        if (st != null && !st.isBlank()) {
            try {
                state = Optional.of(WebhookStore.DeliveryState.valueOf(st.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException ex) {
                throw new ApiError(400, "invalid_request", "state", st, "expected pending, delivered or failed");
            }
        }
        Optional<WebhookStore.Order> order = Optional.empty();
        String o = ctx.queryParam("order");
        if (o != null && !o.isBlank()) {
            order = switch (o.trim()) {
                case "asc" -> Optional.of(WebhookStore.Order.ASC);
                case "desc" -> Optional.of(WebhookStore.Order.DESC);
                default -> throw ApiError.invalid("order", o, "expected asc (oldest event first) or desc (newest event first, the default)");
            };
        }
        Optional<WebhookStore.DeliveryCursor> cursor = ApiError.cursor(ctx, WebhookStore.DeliveryCursor::parse,
                "not a cursor of this list: pass the next_cursor of the previous page of GET /v1/webhooks/{id}/deliveries as it was given");
        if (cursor.isPresent() && order.isPresent() && order.get() != cursor.get().order())
            throw ApiError.invalid("order", o, "this cursor continues a page in order=" + cursor.get().order().name().toLowerCase(java.util.Locale.ROOT)
                    + ": keep that order (or leave order out) with it, or start again without the cursor");
        Integer limit = limit(ctx);
        if (limit == null) return;
        WebhookStore.Order direction = cursor.map(WebhookStore.DeliveryCursor::order).orElse(order.orElse(WebhookStore.Order.DESC));
        WebhookStore.DeliveryPage page = store.deliveries(e.get().id(), state, direction, cursor, limit);
        ArrayNode items = JSON.createArrayNode();
        for (WebhookStore.Delivery d : page.deliveries()) {
            ObjectNode n = items.addObject().put("event_id", d.eventId()).put("webhook_id", "evt_" + d.eventId())
                    .put("event_type", d.eventType()).put("seq", d.eventSeq()).put("state", d.state().name().toLowerCase(java.util.Locale.ROOT))
                    .put("attempts", d.attempts());
            putInstant(n, "next_attempt_at", d.nextAttemptAt());
            if (d.lastStatus().isPresent()) n.put("last_status", d.lastStatus().get());
            else n.putNull("last_status");
            n.put("last_error", d.lastError()).put("event_created_at", d.eventCreatedAt().toString()).put("updated_at", d.updatedAt().toString());
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("deliveries", items);
        out.put("order", direction.name().toLowerCase(java.util.Locale.ROOT)).put("limit", limit);
        if (page.next().isPresent()) out.put("next_cursor", page.next().get().token());
        else out.putNull("next_cursor");
        ctx.json(out);
    }

    /**
     * One page of the endpoint's attempt log, newest first by (attempted_at, id) ({@code event_id}, {@code cursor},
     * {@code limit}); {@code next_cursor} continues it, null on the last page.
     */
    private void log(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        Optional<WebhookStore.LogCursor> cursor = ApiError.cursor(ctx, WebhookStore.LogCursor::parse,
                "not a cursor of this log: pass the next_cursor of the previous page of GET /v1/webhooks/{id}/log as it was given");
        Integer limit = limit(ctx);
        if (limit == null) return;
        String event = ctx.queryParam("event_id");
        Optional<String> eventId = Optional.ofNullable(event).map(String::strip).filter(s -> !s.isEmpty()).map(s -> s.replaceFirst("^evt_", ""));
        WebhookStore.LogPage page = store.log(e.get().id(), eventId, cursor, limit);
        ArrayNode items = JSON.createArrayNode();
        for (WebhookStore.Attempt a : page.attempts()) {
            items.addObject().put("event_id", a.eventId()).put("attempt", a.attempt()).put("attempted_at", a.attemptedAt().toString())
                    .put("status_code", a.statusCode()).put("latency_ms", a.latencyMs()).put("error", a.error()).put("response", a.response());
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("attempts", items);
        out.put("limit", limit);
        if (page.next().isPresent()) out.put("next_cursor", page.next().get().token());
        else out.putNull("next_cursor");
        ctx.json(out);
    }

    private void redeliver(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        String eventId = ctx.pathParam("event_id").replaceFirst("^evt_", "");
        Optional<WebhookStore.Requeued> r = store.redeliver(e.get().id(), eventId);
        if (r.isEmpty()) {
            throw new ApiError(404, "not_found", "event_id", eventId, "no event with this id in the outbox");
        }
        if (r.get().inFlight() > 0) {
            throw new ApiError(409, "conflict", "event_id", eventId, "this event is being delivered to " + e.get().id() + " right now; ask again after the attempt (see its log)");
        }
        ctx.status(202).json(requeued(r.get()));
        wake.run();
    }

    private void replay(Context ctx) {
        Optional<Endpoint> e = found(ctx);
        if (e.isEmpty()) return;
        JsonNode req = body(ctx, Set.of("from", "to"));
        if (req == null) return;
        try {
            Instant from = instant(req, "from", Optional.empty());
            Instant to = instant(req, "to", Optional.of(clock.instant().plusMillis(1)));
            if (!from.isBefore(to)) throw new EndpointRules.Invalid("to", to.toString(), "to must be after from (" + from + ")");
            WebhookStore.Requeued r = store.replay(e.get().id(), from, to, EventTypes::wants);
            ctx.status(202).json(requeued(r).put("from", from.toString()).put("to", to.toString()));
            wake.run();
        } catch (EndpointRules.Invalid ex) {
            throw new ApiError(400, "invalid_request", ex.field, ex.value, ex.getMessage());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    static ObjectNode endpointJson(Endpoint e) {
        ObjectNode n = JSON.createObjectNode().put("id", e.id()).put("source", e.source()).put("url", e.url());
        ArrayNode types = n.putArray("event_types");
        e.eventTypes().forEach(types::add);
        ArrayNode streams = n.putArray("streams");
        e.streams().forEach(streams::add);
        n.put("final_only", e.finalOnly()).put("enabled", e.state() == EndpointState.ENABLED).put("state_reason", e.stateReason());
        putInstant(n, "failing_since", e.failingSince());
        putInstant(n, "old_secret_until", e.oldSecret().isPresent() ? e.oldSecretUntil() : Optional.empty());
        n.put("description", e.description()).put("created_at", e.createdAt().toString()).put("updated_at", e.updatedAt().toString());
        return n;
    }

    private static ObjectNode requeued(WebhookStore.Requeued r) {
        return JSON.createObjectNode().put("requeued", r.requeued()).put("added", r.added()).put("in_flight", r.inFlight());
    }

    private Optional<Endpoint> found(Context ctx) {
        String id = ctx.pathParam("id");
        Optional<Endpoint> e = store.endpoint(id);
        if (e.isEmpty()) throw new ApiError(404, "not_found", "id", id, "no webhook endpoint with this id (GET /v1/webhooks lists them)");
        return e;
    }

    private static JsonNode body(Context ctx, Set<String> allowed) {
        JsonNode req = Json.read(ctx.bodyAsBytes()); // strict UTF-8, then JSON
        if (req == null || !req.isObject()) {
            throw new ApiError(400, "invalid_request", "body", null, "the body must be a JSON object");
        }
        for (String name : req.propertyNames())
            if (!allowed.contains(name)) {
                throw new ApiError(400, "invalid_request", name, null, "unknown field; allowed: " + new java.util.TreeSet<>(allowed));
            }
        return req;
    }

    private static String text(JsonNode req, String field, boolean required) throws EndpointRules.Invalid {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            if (required) throw new EndpointRules.Invalid(field, null, field + " is required");
            return "";
        }
        if (!n.isString()) throw new EndpointRules.Invalid(field, n.toString(), "expected a string");
        return n.asString();
    }

    private static List<String> strings(JsonNode req, String field) throws EndpointRules.Invalid {
        JsonNode n = req.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (!n.isArray()) throw new EndpointRules.Invalid(field, n.toString(), "expected a list of strings");
        for (JsonNode v : n) {
            if (!v.isString()) throw new EndpointRules.Invalid(field, v.toString(), "expected a list of strings");
            out.add(v.asString());
        }
        return out;
    }

    private static boolean bool(JsonNode req, String field, boolean otherwise) throws EndpointRules.Invalid {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) return otherwise;
        if (!n.isBoolean()) throw new EndpointRules.Invalid(field, n.toString(), "expected true or false");
        return n.asBoolean();
    }

    private static Instant instant(JsonNode req, String field, Optional<Instant> otherwise) throws EndpointRules.Invalid {
        String s = text(req, field, otherwise.isEmpty());
        if (s.isEmpty()) return otherwise.orElseThrow();
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new EndpointRules.Invalid(field, s, "expected an RFC 3339 UTC time, e.g. 2026-12-04T18:00:00Z");
        }
    }

    private static Duration duration(String field, String s) throws EndpointRules.Invalid {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(s|m|h|d)").matcher(s.trim());
        if (!m.matches()) throw new EndpointRules.Invalid(field, s, "expected a duration such as 0s, 30m, 24h or 7d");
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            case "h" -> Duration.ofHours(v);
            default -> Duration.ofDays(v);
        };
    }

    private static Integer limit(Context ctx) {
        String l = ctx.queryParam("limit");
        if (l == null || l.isBlank()) return 100;
        try {
            int v = Integer.parseInt(l.trim());
            if (v >= 1 && v <= 1000) return v;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new ApiError(400, "invalid_request", "limit", l, "expected a whole number from 1 to 1000 (the page size, 100 by default; more pages through next_cursor)");
    }

    private static void putInstant(ObjectNode n, String name, Optional<Instant> at) {
        if (at.isPresent()) n.put(name, at.get().toString());
        else n.putNull(name);
    }

}
