package dev.rebound.server.api;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/messages} (answers 202 only after the store committed the message; a replayed idempotency key
 * answers 200 with the first receipt, a key reused for another body 409) and {@code GET /v1/messages/{id}} (every
 * recipient with its state, plan, suppression entry, attempts and evidence, in three store calls (five statements) whatever the number of
 * recipients).
 */
final class MessageRoutes {
    static final String REPLAY_HEADER = "Idempotent-Replayed";

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
        return List.of(Route.post("/v1/messages", this::post), Route.get("/v1/messages/{id}", this::get));
    }

    private void post(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        JsonNode req;
        try {
            req = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalid("body", null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (req == null || !req.isObject()) throw ApiError.invalid("body", null, "the body must be a JSON object");
        String key = ctx.header("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)))
            throw ApiError.invalid("Idempotency-Key", key, "use 1 to 255 printable ASCII characters without spaces");
        NewMessage message = requests.parse(req, key, Sha256.hex(body), clock.instant());
        switch (intake.accept(message)) {
            case AcceptResult.Created c -> ctx.status(202).json(Views.receipt(c.receipt()));
            case AcceptResult.Replayed r -> ctx.status(200).header(REPLAY_HEADER, "true").json(Views.receipt(r.receipt()));
            case AcceptResult.Conflict c -> throw new ApiError(409, "idempotency_conflict", "Idempotency-Key", key,
                    "this key was used for a different request (message " + c.existingMessageId() + "); use a new key for a new message")
                    .with("message_id", c.existingMessageId());
        }
    }

    private void get(Context ctx) {
        String id = ctx.pathParam("id");
        MessageView v = store.message(id).orElseThrow(() -> ApiError.notFound("id", id, "no message with this id"));
        ctx.json(Views.message(v,
                r -> retry.plan(v.id(), r.address(), v.createdAt(), r.attempts().stream().map(MessageView.AttemptView::attempt).toList(), clock.instant()),
                store.suppressionsOfMessage(id), store.evidenceOfMessage(id)));
    }
}
