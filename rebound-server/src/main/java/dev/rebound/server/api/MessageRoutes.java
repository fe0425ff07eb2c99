package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.MessageHit;
import dev.rebound.server.store.MessageQuery;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/messages} (answers 202 only after the store committed the message; a replayed idempotency key
 * answers 200 with the first receipt, a key reused for another body 409), {@code POST /v1/messages/batch} (up to 500
 * messages in one transaction, one result each) and {@code GET /v1/messages/{id}} (every
 * recipient with its state, plan, suppression entry, attempts and evidence, in three store calls (five statements) whatever the number of
 * recipients).
 */
final class MessageRoutes {
    static final String REPLAY_HEADER = "Idempotent-Replayed";
    private static final int DEFAULT_SEARCH = 50, MAX_SEARCH = 500;

    private final MessageIntake intake;
    private final Store store;
    private final AttemptDecider retry;
    private final Clock clock;
    private final MessageRequest requests;

    MessageRoutes(ReboundConfig config, MessageIntake intake, Store store, AttemptDecider retry, Clock clock) {
        this.intake = intake;
        this.store = store;
        this.retry = retry;
        this.clock = clock;
        this.requests = new MessageRequest(config);
    }

    List<Route> routes() {
        return List.of(Route.post("/v1/messages", Scope.SEND, this::post), Route.post("/v1/messages/batch", Scope.SEND, this::postBatch),
                Route.get("/v1/messages", Scope.READ, this::search),
                Route.get("/v1/messages/{id}", Scope.READ, this::get));
    }

    private void post(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        JsonNode req = Json.read(body);
        if (req == null || !req.isObject()) throw ApiError.invalid("body", null, "the body must be a JSON object");
        String key = ctx.header("Idempotency-Key");
        checkKey("Idempotency-Key", key);
        NewMessage message = requests.parse(req, key, Sha256.hex(body), clock.instant());
        switch (intake.accept(message)) {
            case AcceptResult.Created c -> ctx.status(202).json(Views.receipt(c.receipt()));
            case AcceptResult.Replayed r -> ctx.status(200).header(REPLAY_HEADER, "true").json(Views.receipt(r.receipt()));
            case AcceptResult.Conflict c -> throw new ApiError(409, "idempotency_conflict", "Idempotency-Key", key,
                    "this key was used for a different request (message " + c.existingMessageId() + "); use a new key for a new message")
                    .with("message_id", c.existingMessageId());
        }
    }

    /**
     * The message search: {@code message_id} (the Message-ID header, with or without its angle brackets),
     * {@code address} (a recipient, any case), {@code state} (a recipient's), {@code since}/{@code until} (accepted in
     * [since, until), RFC 3339), {@code limit}; newest first. The message's own id is {@code GET /v1/messages/{id}}.
     */
    private void search(Context ctx) {
        Optional<String> header = param(ctx, "message_id").map(h -> h.startsWith("<") ? h : "<" + h + ">");
        Optional<String> address = param(ctx, "address");
        Optional<RecipientState> state = param(ctx, "state").map(s -> {
            try {
                return RecipientState.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("state", s, "expected one of " + Arrays.toString(RecipientState.values()));
            }
        });
        Optional<Instant> since = param(ctx, "since").map(t -> instant("since", t));
        Optional<Instant> until = param(ctx, "until").map(t -> instant("until", t));
        if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get()))
            throw ApiError.invalid("until", until.get().toString(), "until must be after since (" + since.get() + ")");
        int limit = param(ctx, "limit").map(l -> {
            try {
                int v = Integer.parseInt(l);
                if (v >= 1 && v <= MAX_SEARCH) return v;
            } catch (NumberFormatException ignored) {
                // answered below
            }
            throw ApiError.invalid("limit", l, "expected a whole number from 1 to " + MAX_SEARCH);
        }).orElse(DEFAULT_SEARCH);
        List<MessageHit> hits = store.messages(new MessageQuery(header, address, state, since, until, limit));
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("messages");
        for (MessageHit h : hits) {
            ObjectNode m = items.addObject().put("id", h.id()).put("stream", h.stream()).put("mail_from", h.mailFrom())
                    .put("message_id_header", Json.emptyToNull(h.headerMessageId())).put("source", h.source())
                    .put("created_at", h.createdAt().toString());
            ArrayNode rs = m.putArray("recipients");
            for (MessageHit.Recipient r : h.recipients())
                rs.addObject().put("address", r.address()).put("state", r.state().name()).put("attempt_count", r.attemptCount());
        }
        n.put("count", hits.size()).put("limit", limit);
        ctx.json(n);
    }

    private static Optional<String> param(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static Instant instant(String field, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.invalid(field, text, "expected an RFC 3339 UTC time, e.g. 2026-12-04T18:00:00Z");
        }
    }

    private static void checkKey(String field, String key) {
        if (key != null && (key.isBlank() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)))
            throw ApiError.invalid(field, key, "use 1 to 255 printable ASCII characters without spaces");
    }

    /** The most messages one batch may carry (Postmark's batch limit; the body is also capped by http.max-body-size). */
    static final int MAX_BATCH = 500;

    /**
     * {@code POST /v1/messages/batch}: a JSON array of up to {@link #MAX_BATCH} messages, each in a form of
     * {@code POST /v1/messages} plus an optional {@code idempotency_key}. Every valid message is stored in one store
     * transaction; the answer (200, after the commit) has one result per message in order: {@code status} 202 with the
     * ids, 200 {@code replayed} for a key seen before with the same message, 409 for a key seen with another message,
     * or the message's own 400 field error (an invalid message does not stop the others). A store failure answers 503
     * for the whole batch and stores none of it. An item's key compares the item's JSON without the key (SHA-256).
     */
    private void postBatch(Context ctx) {
        if (ctx.header("Idempotency-Key") != null)
            throw ApiError.invalid("Idempotency-Key", ctx.header("Idempotency-Key"),
                    "a batch has no request-wide key; give each message its own \"idempotency_key\" field");
        JsonNode req = Json.read(ctx.bodyAsBytes());
        if (req == null || !req.isArray())
            throw ApiError.invalid("body", null, "the body must be a JSON array of messages, each as for POST /v1/messages"
                    + " with an optional \"idempotency_key\"");
        if (req.isEmpty()) throw ApiError.invalid("body", "[]", "give at least one message");
        if (req.size() > MAX_BATCH)
            throw ApiError.invalid("body", req.size() + " messages", "at most " + MAX_BATCH + " messages in one batch; split it");
        Instant now = clock.instant();
        ObjectNode[] results = new ObjectNode[req.size()];
        List<NewMessage> valid = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < req.size(); i++) {
            JsonNode item = req.get(i);
            try {
                if (!item.isObject()) throw ApiError.invalid("body[" + i + "]", item.toString(), "each message must be a JSON object");
                ObjectNode message = (ObjectNode) item.deepCopy();
                JsonNode k = message.remove("idempotency_key");
                String key = null;
                if (k != null && !k.isNull()) {
                    if (!k.isString()) throw ApiError.invalid("idempotency_key", k.toString(), "expected a string");
                    key = k.asString();
                    checkKey("idempotency_key", key);
                }
                valid.add(requests.parse(message, key, Sha256.hex(Json.MAPPER.writeValueAsBytes(message)), now));
                positions.add(i);
            } catch (ApiError e) {
                results[i] = result(i, e.status, e.json());
            }
        }
        List<AcceptResult> stored = valid.isEmpty() ? List.of() : intake.acceptAll(valid);
        int accepted = 0, replayed = 0;
        for (int j = 0; j < stored.size(); j++) {
            int i = positions.get(j);
            switch (stored.get(j)) {
                case AcceptResult.Created c -> {
                    results[i] = result(i, 202, Views.receipt(c.receipt()));
                    accepted++;
                }
                case AcceptResult.Replayed r -> {
                    results[i] = result(i, 200, Views.receipt(r.receipt()).put("replayed", true));
                    replayed++;
                }
                case AcceptResult.Conflict c -> results[i] = result(i, 409, new ApiError(409, "idempotency_conflict",
                        "idempotency_key", valid.get(j).idempotencyKey().orElse(""), "this key was used for a different message (message "
                        + c.existingMessageId() + "); use a new key for a new message").with("message_id", c.existingMessageId()).json());
            }
        }
        ObjectNode out = Json.object().put("accepted", accepted).put("replayed", replayed)
                .put("refused", results.length - accepted - replayed);
        ArrayNode list = out.putArray("results");
        for (ObjectNode r : results) list.add(r);
        ctx.status(200).json(out);
    }

    private static ObjectNode result(int index, int status, ObjectNode body) {
        ObjectNode n = Json.object().put("index", index).put("status", status);
        n.setAll(body);
        return n;
    }

    private void get(Context ctx) {
        String id = ctx.pathParam("id");
        MessageView v = store.message(id).orElseThrow(() -> ApiError.notFound("id", id, "no message with this id"));
        ctx.json(Views.message(v,
                r -> retry.plan(v.id(), r.address(), v.createdAt(), r.attempts().stream().map(MessageView.AttemptView::attempt).toList(), clock.instant()),
                store.suppressionsOfMessage(id), store.evidenceOfMessage(id)));
    }
}
