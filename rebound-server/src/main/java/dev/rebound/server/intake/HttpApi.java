package dev.rebound.server.intake;

import dev.rebound.core.policy.PlannedAttempt;
import dev.rebound.core.policy.RetryPlan;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.queue.RetryScheduling;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.EvidenceView;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.QueueBreakdown;
import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreHealth;
import dev.rebound.server.store.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson3;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP API (Javalin on virtual threads). {@code POST /v1/messages} answers 202 only after the store
 * committed the message; the request is validated field by field and a 400 names the field and quotes the value.
 * The routes are described in {@code openapi.json} (served at {@code /openapi.json}); a test keeps both equal.
 */
public final class HttpApi implements AutoCloseable {
    static final String REPLAY_HEADER = "Idempotent-Replayed";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Pattern STREAM = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]{1,76}");
    private static final Set<String> COMPOSED_FIELDS = Set.of("from", "to", "cc", "bcc", "subject", "text", "html", "headers", "stream");
    private static final Set<String> RAW_FIELDS = Set.of("mail_from", "rcpt_to", "raw", "raw_base64", "stream");

    private final ReboundConfig config;
    private final MessageIntake intake;
    private final Store store;
    private final RetryScheduling retry;
    private final Clock clock;
    private final PrometheusMeterRegistry metrics;
    private final MessageComposer composer;
    private final Javalin app;

    /**
     * A route contributed by another package (provider webhooks, evidence reads).
     *
     * @param authenticated true when {@code api.keys} applies (provider webhooks authenticate by their own scheme)
     */
    public record Route(String method, String path, io.javalin.http.Handler handler, boolean authenticated) {}

    public HttpApi(ReboundConfig config, MessageIntake intake, Store store, RetryScheduling retry, Clock clock,
                   PrometheusMeterRegistry metrics) {
        this(config, intake, store, retry, clock, metrics, List.of());
    }

    public HttpApi(ReboundConfig config, MessageIntake intake, Store store, RetryScheduling retry, Clock clock,
                   PrometheusMeterRegistry metrics, List<Route> extraRoutes) {
        this.config = config;
        this.intake = intake;
        this.store = store;
        this.retry = retry;
        this.clock = clock;
        this.metrics = metrics;
        this.composer = new MessageComposer(config.delivery().heloName());
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.jsonMapper(new JavalinJackson3(JSON, true));
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = config.http().maxBodySize();
            cfg.routes.post("/v1/messages", this::postMessage);
            cfg.routes.get("/v1/messages/{id}", this::getMessage);
            cfg.routes.get("/v1/queue", this::queue);
            SuppressionApi suppressions = new SuppressionApi(this, store);
            cfg.routes.get("/v1/suppressions", suppressions::list);
            cfg.routes.get("/v1/suppressions/{stream}/{address}", suppressions::get);
            cfg.routes.delete("/v1/suppressions/{stream}/{address}", suppressions::delete);
            cfg.routes.get("/healthz", this::health);
            cfg.routes.get("/livez", this::live);
            // A store fault anywhere (disk full, I/O error): nothing was stored, the client should retry later.
            cfg.routes.exception(StoreUnavailableException.class, (e, ctx) -> storeUnavailable(ctx, e.getMessage()));
            cfg.routes.get("/metrics", this::scrape);
            cfg.routes.get("/openapi.json", this::openapi);
            for (Route r : extraRoutes) {
                io.javalin.http.Handler h = r.authenticated() ? ctx -> { if (authorised(ctx)) r.handler().handle(ctx); } : r.handler();
                switch (r.method()) {
                    case "GET" -> cfg.routes.get(r.path(), h);
                    case "POST" -> cfg.routes.post(r.path(), h);
                    default -> throw new IllegalArgumentException("unsupported method " + r.method() + " for " + r.path());
                }
            }
        });
    }

    public HttpApi start() {
        app.start(config.http().listen().host(), config.http().listen().port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The registered routes as "METHOD path" (for the OpenAPI drift test). */
    public List<String> routes() {
        List<String> out = new ArrayList<>();
        for (var e : app.unsafe.internalRouter.allHttpHandlers()) out.add(e.endpoint.method.name() + " " + e.endpoint.path);
        return out;
    }

    @Override
    public void close() {
        app.stop();
    }

    // ---- handlers -----------------------------------------------------------------------------------------

    boolean authorised(Context ctx) {
        List<String> keys = config.api().keys();
        if (keys.isEmpty()) return true;
        String h = ctx.header("Authorization");
        if (h != null && h.startsWith("Bearer ")) {
            byte[] given = h.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            for (String k : keys) if (MessageDigest.isEqual(given, k.getBytes(StandardCharsets.UTF_8))) return true;
        }
        ctx.header("WWW-Authenticate", "Bearer");
        error(ctx, 401, "unauthorized", null, null, "send Authorization: Bearer <key> with one of the keys in api.keys");
        return false;
    }

    private void postMessage(Context ctx) {
        if (!authorised(ctx)) return;
        byte[] body = ctx.bodyAsBytes();
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (JacksonException e) {
            error(ctx, 400, "invalid_request", "body", null, "the body is not valid JSON: " + e.getOriginalMessage());
            return;
        }
        if (req == null || !req.isObject()) {
            error(ctx, 400, "invalid_request", "body", null, "the body must be a JSON object");
            return;
        }
        String key = ctx.header("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            error(ctx, 400, "invalid_request", "Idempotency-Key", key, "use 1 to 255 printable ASCII characters without spaces");
            return;
        }
        NewMessage message;
        try {
            message = req.has("raw") || req.has("raw_base64") || req.has("rcpt_to") || req.has("mail_from")
                    ? rawMessage(req, key, sha256(body)) : composedMessage(req, key, sha256(body));
        } catch (Invalid e) {
            error(ctx, 400, "invalid_request", e.field, e.value, e.getMessage());
            return;
        }
        AcceptResult result = intake.accept(message);
        switch (result) {
            case AcceptResult.Created c -> ctx.status(202).json(receipt(c.receipt()));
            case AcceptResult.Replayed r -> ctx.status(200).header(REPLAY_HEADER, "true").json(receipt(r.receipt()));
            case AcceptResult.Conflict c -> {
                ObjectNode n = errorNode("idempotency_conflict", "Idempotency-Key", key,
                        "this key was used for a different request (message " + c.existingMessageId() + "); use a new key for a new message");
                n.put("message_id", c.existingMessageId());
                ctx.status(409).json(n);
            }
        }
    }

    private NewMessage composedMessage(JsonNode req, String key, String hash) throws Invalid {
        onlyFields(req, COMPOSED_FIELDS, "raw messages use mail_from, rcpt_to and raw or raw_base64 instead");
        Addresses.Mailbox from = mailbox(req.get("from"), "from");
        List<Addresses.Mailbox> to = mailboxes(req, "to");
        List<Addresses.Mailbox> cc = mailboxes(req, "cc");
        List<Addresses.Mailbox> bcc = mailboxes(req, "bcc");
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) throw new Invalid("to", null, "give at least one recipient in to, cc or bcc");
        String subject = optionalString(req, "subject");
        String text = optionalString(req, "text");
        String html = optionalString(req, "html");
        if (text == null && html == null) throw new Invalid("text", null, "give text, html or both");
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = req.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) throw new Invalid("headers", h.toString(), "expected an object of header name to string value");
            for (Map.Entry<String, JsonNode> e : h.properties()) {
                String name = e.getKey();
                if (!HEADER_NAME.matcher(name).matches()) throw new Invalid("headers." + name, name, "a header name is printable ASCII without ':' or spaces");
                if (MessageComposer.RESERVED.contains(name.toLowerCase(java.util.Locale.ROOT))) throw new Invalid("headers." + name, name, "this header is set by Rebound; use the matching field instead");
                if (!e.getValue().isString()) throw new Invalid("headers." + name, e.getValue().toString(), "a header value must be a string");
                String v = e.getValue().asString();
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) throw new Invalid("headers." + name, v, "a header value must not contain CR or LF");
                headers.put(name, v);
            }
        }
        String stream = stream(req);
        List<String> rcpts = new ArrayList<>();
        for (List<Addresses.Mailbox> l : List.of(to, cc, bcc))
            for (Addresses.Mailbox m : l) if (rcpts.stream().noneMatch(x -> x.equalsIgnoreCase(m.address()))) rcpts.add(m.address());
        MessageComposer.Composed c = composer.compose(from, to, cc, subject, text, html, headers, clock.instant());
        if (c.raw().length > config.smtp().maxMessageSize())
            throw new Invalid("text", c.raw().length + " bytes", "the message is larger than " + config.smtp().maxMessageSize() + " bytes (smtp.max-message-size)");
        return new NewMessage(stream, from.address(), rcpts, c.raw(), c.messageId(), "http", Optional.ofNullable(key), hash);
    }

    private NewMessage rawMessage(JsonNode req, String key, String hash) throws Invalid {
        onlyFields(req, RAW_FIELDS, "composed messages use from, to, subject, text, html instead");
        JsonNode mf = req.get("mail_from");
        if (mf == null || !mf.isString()) throw new Invalid("mail_from", mf == null ? null : mf.toString(), "give the envelope sender as a string (\"\" for the null reverse-path)");
        String mailFrom = mf.asString().strip();
        if (!mailFrom.isEmpty() && Addresses.addrSpec(mailFrom).isEmpty()) throw new Invalid("mail_from", mailFrom, "not an email address (local@domain)");
        JsonNode rt = req.get("rcpt_to");
        if (rt == null || !rt.isArray() || rt.isEmpty()) throw new Invalid("rcpt_to", rt == null ? null : rt.toString(), "give a non-empty array of recipient addresses");
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < rt.size(); i++) {
            JsonNode n = rt.get(i);
            String a = n.isString() ? n.asString().strip() : n.toString();
            if (!n.isString() || Addresses.addrSpec(a).isEmpty()) throw new Invalid("rcpt_to[" + i + "]", a, "not an email address (local@domain)");
            if (rcpts.stream().noneMatch(x -> x.equalsIgnoreCase(a))) rcpts.add(a);
        }
        if (rcpts.size() > config.smtp().maxRecipients()) throw new Invalid("rcpt_to", rcpts.size() + " recipients", "at most " + config.smtp().maxRecipients() + " (smtp.max-recipients)");
        byte[] raw;
        if (req.has("raw") && req.has("raw_base64")) throw new Invalid("raw", null, "give raw or raw_base64, not both");
        if (req.has("raw")) {
            JsonNode r = req.get("raw");
            if (!r.isString() || r.asString().isEmpty()) throw new Invalid("raw", r.toString(), "give the RFC 5322 message as a non-empty string");
            raw = r.asString().getBytes(StandardCharsets.UTF_8);
        } else {
            JsonNode r = req.get("raw_base64");
            if (r == null || !r.isString()) throw new Invalid("raw", null, "give raw (text) or raw_base64 (the message bytes in base64)");
            try {
                raw = Base64.getMimeDecoder().decode(r.asString());
            } catch (IllegalArgumentException e) {
                throw new Invalid("raw_base64", abbreviate(r.asString()), "not valid base64: " + e.getMessage());
            }
            if (raw.length == 0) throw new Invalid("raw_base64", "", "the message is empty");
        }
        if (raw.length > config.smtp().maxMessageSize())
            throw new Invalid(req.has("raw") ? "raw" : "raw_base64", raw.length + " bytes", "the message is larger than " + config.smtp().maxMessageSize() + " bytes (smtp.max-message-size)");
        return new NewMessage(stream(req), mailFrom, rcpts, raw, MessageIntake.headerMessageId(raw), "http", Optional.ofNullable(key), hash);
    }

    private void getMessage(Context ctx) {
        if (!authorised(ctx)) return;
        String id = ctx.pathParam("id");
        Optional<MessageView> view = store.message(id);
        if (view.isEmpty()) {
            error(ctx, 404, "not_found", "id", id, "no message with this id");
            return;
        }
        ObjectNode n = view(view.get());
        List<EvidenceView> evidence = store.evidenceOfMessage(id);
        for (JsonNode rn : n.get("recipients")) {
            ArrayNode en = ((ObjectNode) rn).putArray("evidence");
            for (EvidenceView e : evidence) if (e.recipientId().equals(rn.get("id").asString())) en.add(evidenceJson(e));
        }
        ctx.json(n);
    }

    /** One piece of asynchronous evidence (provider event, DSN record) as JSON. */
    public static ObjectNode evidenceJson(EvidenceView e) {
        ObjectNode n = JSON.createObjectNode().put("id", e.id()).put("source", e.source()).put("provider", e.provider())
                .put("provider_event", e.providerEvent()).put("provider_message_id", emptyToNull(e.providerMessageId()))
                .put("message_id_header", emptyToNull(e.headerMessageId())).put("message_id", emptyToNull(e.messageId()))
                .put("recipient_id", emptyToNull(e.recipientId())).put("matched_by", e.matchedBy()).put("address", e.address())
                .put("stream", e.stream()).put("recipient_domain", e.domain()).put("smtp_code", e.smtpCode())
                .put("enhanced_code", e.enhancedCode()).put("raw_reason", e.rawReason()).put("outcome", emptyToNull(e.outcome()))
                .put("reason", emptyToNull(e.reason())).put("rule", e.ruleId()).put("decision", emptyToNull(e.decision()))
                .put("decision_rule", emptyToNull(e.decisionRule())).put("suppression_rule", emptyToNull(e.suppressionRule()));
        putInstant(n, "occurred_at", e.occurredAt());
        n.put("received_at", e.receivedAt().toString());
        JsonNode payload;
        try {
            payload = JSON.readTree(e.payload());
        } catch (JacksonException ex) {
            payload = null;
        }
        if (payload != null && !payload.isMissingNode()) n.set("payload", payload);
        else n.put("payload", e.payload());
        return n;
    }

    /** Seconds a client is asked to wait after a 503 for a store fault (the store probes every 2 s). */
    static final int STORE_RETRY_AFTER_SECONDS = 5;

    /** 503 with Retry-After and the JSON error: the store cannot take writes now; nothing was stored. */
    static void storeUnavailable(Context ctx, String problem) {
        ctx.header("Retry-After", String.valueOf(STORE_RETRY_AFTER_SECONDS));
        error(ctx, 503, "store_unavailable", null, null, "the store cannot take writes now, nothing of this request was stored ("
                + problem + "); retry after " + STORE_RETRY_AFTER_SECONDS + " s");
    }

    /**
     * Readiness: 200 while the store can commit, else 503 with the store's problem (the process is alive:
     * {@code /livez}). The queue figures are added when the store can still be read.
     */
    private void health(Context ctx) {
        StoreHealth sh = store.health();
        ObjectNode n = JSON.createObjectNode().put("status", sh.writable() ? "ok" : "unavailable");
        ObjectNode sn = n.putObject("store").put("writable", sh.writable());
        sh.problem().ifPresent(p -> sn.put("problem", p));
        putInstant(sn, "since", sh.since());
        try {
            QueueStats q = store.queueStats();
            n.put("queue_depth", q.depth()).put("leased", q.leased());
            putInstant(n, "oldest_due_at", q.oldestDueAt());
        } catch (RuntimeException e) {
            n.put("status", "unavailable");
            sn.put("readable", false).put("read_problem", e.getMessage());
        }
        ctx.status(n.get("status").asString().equals("ok") ? 200 : 503).json(n);
    }

    /** Liveness: the process serves HTTP (whatever the store's state). */
    private void live(Context ctx) {
        ctx.json(JSON.createObjectNode().put("status", "ok"));
    }

    /** Queue depth, the age of the oldest waiting message, and recipients per state ({@code rebound queue}). */
    private void queue(Context ctx) {
        if (!authorised(ctx)) return;
        QueueStats q = store.queueStats();
        QueueBreakdown b = store.queueBreakdown();
        Instant now = clock.instant();
        ObjectNode n = JSON.createObjectNode().put("depth", q.depth()).put("leased", q.leased())
                .put("oldest_age_seconds", b.oldestWaitingQueuedAt().map(t -> Math.max(0, java.time.Duration.between(t, now).toSeconds())).orElse(0L));
        putInstant(n, "oldest_due_at", q.oldestDueAt());
        ObjectNode states = n.putObject("by_state");
        b.byState().forEach((state, count) -> states.put(state.name(), count));
        ctx.json(n);
    }

    /** Who made an API call, for audit rows: the key's fingerprint when keys are configured, else "api". */
    String caller(Context ctx) {
        String h = ctx.header("Authorization");
        if (config.api().keys().isEmpty() || h == null || !h.startsWith("Bearer ")) return "api";
        return "api-key:" + sha256(h.substring(7).strip().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    }

    private void scrape(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = HttpApi.class.getResourceAsStream("/openapi.json")) {
            ctx.contentType("application/json").result(in.readAllBytes());
        }
    }

    // ---- JSON shapes --------------------------------------------------------------------------------------

    private static ObjectNode receipt(AcceptResult.Receipt r) {
        ObjectNode n = JSON.createObjectNode().put("id", r.messageId());
        ArrayNode a = n.putArray("recipients");
        for (AcceptResult.RecipientReceipt rr : r.recipients())
            a.addObject().put("id", rr.id()).put("address", rr.address()).put("state", rr.state().name());
        return n;
    }

    private ObjectNode view(MessageView v) {
        ObjectNode n = JSON.createObjectNode().put("id", v.id()).put("stream", v.stream()).put("mail_from", v.mailFrom())
                .put("message_id_header", v.headerMessageId()).put("size_bytes", v.sizeBytes()).put("source", v.source())
                .put("created_at", v.createdAt().toString());
        ArrayNode rs = n.putArray("recipients");
        for (MessageView.RecipientView r : v.recipients()) {
            ObjectNode rn = rs.addObject().put("id", r.id()).put("address", r.address()).put("domain", r.domain())
                    .put("state", r.state().name()).put("attempt_count", r.attemptCount());
            putInstant(rn, "next_attempt_at", r.nextAttemptAt());
            rn.put("last_outcome", emptyToNull(r.lastOutcome())).put("reason", emptyToNull(r.lastReason())).put("rule", emptyToNull(r.lastRule()));
            ArrayNode plan = rn.putArray("planned_attempts");
            if (!r.state().isFinal()) {
                RetryPlan p = retry.plan(v.id(), r.address(), v.createdAt(), r.attempts(), clock.instant());
                for (PlannedAttempt pa : p.attempts())
                    plan.addObject().put("attempt", pa.number()).put("at", pa.at().toString()).put("rule", pa.ruleId()).put("why", pa.why());
                rn.put("gives_up_at", p.givesUpAt().toString());
            }
            // The suppression list entry this recipient's attempts led to (a suppression or a review), if any.
            rn.putNull("suppression");
            if (r.state().isFinal() && r.state() != RecipientState.DELIVERED && !r.attempts().isEmpty()) {
                Set<String> attemptIds = new java.util.HashSet<>();
                r.attempts().forEach(a -> attemptIds.add(a.id()));
                store.suppressions(Optional.of(v.stream()), Optional.of(r.address()), Optional.empty(), 1).stream()
                        .filter(sup -> attemptIds.contains(sup.evidenceRef())).findFirst().ifPresent(sup -> {
                            ObjectNode sn = rn.putObject("suppression").put("state", sup.state().name()).put("reason", sup.reason())
                                    .put("rule", sup.ruleId()).put("evidence_ref", sup.evidenceRef());
                            putInstant(sn, "expires_at", sup.expiresAt());
                        });
            }
            ArrayNode as = rn.putArray("attempts");
            for (MessageView.AttemptView a : r.attempts()) {
                ObjectNode an = as.addObject().put("id", a.id()).put("attempt", a.attemptNo()).put("started_at", a.startedAt().toString())
                        .put("duration_ms", a.durationMs()).put("mx_host", a.mxHost()).put("mx_ip", a.mxIp()).put("phase", a.phase())
                        .put("smtp_code", a.smtpCode()).put("enhanced_code", a.enhancedCode()).put("local", a.local());
                ArrayNode lines = an.putArray("reply_lines");
                a.replyLines().forEach(lines::add);
                an.put("outcome", a.outcome()).put("reason", a.reason()).put("rule", a.ruleId()).put("decision", a.decision())
                        .put("decision_reason", a.decisionReason())
                        .put("decision_rule", a.decisionRule()).put("raw_reason", a.rawReason()).putNull("provider_event");
                putInstant(an, "next_attempt_at", a.nextAttemptAt());
            }
        }
        return n;
    }

    static void putInstant(ObjectNode n, String name, Optional<Instant> at) {
        if (at.isPresent()) n.put(name, at.get().toString());
        else n.putNull(name);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // ---- validation helpers -------------------------------------------------------------------------------

    /** A request field that cannot be used; becomes a 400 naming the field. */
    private static final class Invalid extends Exception {
        final String field;
        final String value;

        Invalid(String field, String value, String message) {
            super(message, null, false, false);
            this.field = field;
            this.value = value;
        }
    }

    private static void onlyFields(JsonNode req, Set<String> allowed, String hint) throws Invalid {
        for (String name : req.propertyNames())
            if (!allowed.contains(name)) throw new Invalid(name, null, "unknown field; allowed here: " + new java.util.TreeSet<>(allowed) + " (" + hint + ")");
    }

    private static Addresses.Mailbox mailbox(JsonNode n, String field) throws Invalid {
        if (n == null || n.isNull()) throw new Invalid(field, null, "required: an email address, e.g. \"app@example.com\" or \"App <app@example.com>\"");
        if (!n.isString()) throw new Invalid(field, n.toString(), "expected a string with an email address");
        String s = n.asString();
        return Addresses.mailbox(s).orElseThrow(() -> new Invalid(field, s, "not an email address; expected local@domain or Name <local@domain>"));
    }

    private static List<Addresses.Mailbox> mailboxes(JsonNode req, String field) throws Invalid {
        JsonNode n = req.get(field);
        List<Addresses.Mailbox> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isString()) {
            out.add(mailbox(n, field));
            return out;
        }
        if (!n.isArray()) throw new Invalid(field, n.toString(), "expected an array of email addresses");
        for (int i = 0; i < n.size(); i++) out.add(mailbox(n.get(i), field + "[" + i + "]"));
        return out;
    }

    private static String optionalString(JsonNode req, String field) throws Invalid {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isString()) throw new Invalid(field, n.toString(), "expected a string");
        return n.asString();
    }

    private static String stream(JsonNode req) throws Invalid {
        String s = optionalString(req, "stream");
        if (s == null) return "transactional";
        if (!STREAM.matcher(s).matches()) throw new Invalid("stream", s, "a stream name is 1-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit");
        return s;
    }

    private static ObjectNode errorNode(String error, String field, String value, String message) {
        ObjectNode n = JSON.createObjectNode().put("error", error);
        if (field != null) n.put("field", field);
        if (value != null) n.put("value", abbreviate(value));
        n.put("message", message);
        return n;
    }

    static void error(Context ctx, int status, String error, String field, String value, String message) {
        ctx.status(status).json(errorNode(error, field, value, message));
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
