package dev.rebound.server.api;

import dev.rebound.server.access.Scope;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.config.StreamName;
import dev.rebound.server.intake.Addresses;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionAudit;
import dev.rebound.server.store.SuppressionChange;
import dev.rebound.server.store.SuppressionQuery;
import dev.rebound.server.store.SuppressionState;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Suppression list management (issue 12): list with filters and a keyset cursor, one entry with the evidence that
 * caused it and its audit trail, manual add, removal, the review queue (approve → SUPPRESSED, reject → removed), and
 * bulk import/export ({@link SuppressionTransfer}). Every change needs a written reason and is committed by the store
 * with exactly one audit row (who asked: the caller's API-key fingerprint plus an optional {@code actor} from the
 * body) and its outbox event in one transaction; entries the policies create are audited as actor {@code policy}.
 * Removing (or rejecting) an entry releases the address's held mail younger than {@code suppression.release-window}
 * in that same transaction. An entry that records a complaint is the recipient's own act (Postmark refuses to
 * reactivate one): lifting it needs {@code "force": true} and the admin scope.
 */
final class SuppressionRoutes {
    static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 1000, MAX_NOTE = 1000;
    static final Pattern REASON_CODE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,31}");
    static final Set<String> ORIGINS = Set.of(Suppression.POLICY, Suppression.MANUAL, Suppression.IMPORT);

    private final Store store;
    private final ReboundConfig.Suppression config;
    private final Clock clock;
    private final Runnable wake;

    /** @param wake wakes the scheduler once released held mail is committed as due */
    SuppressionRoutes(Store store, ReboundConfig.Suppression config, Clock clock, Runnable wake) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.wake = wake;
    }

    List<Route> routes() {
        SuppressionTransfer transfer = new SuppressionTransfer(store, clock);
        return List.of(Route.get("/v1/suppressions", Scope.SUPPRESSIONS, ctx -> list(ctx, Optional.empty())),
                Route.post("/v1/suppressions", Scope.SUPPRESSIONS, this::add),
                Route.get("/v1/suppressions/review", Scope.SUPPRESSIONS, ctx -> list(ctx, Optional.of(SuppressionState.REVIEW))),
                Route.get("/v1/suppressions/export", Scope.SUPPRESSIONS, ctx -> transfer.export(ctx, query(ctx, Optional.empty(), SuppressionTransfer.PAGE))),
                Route.post("/v1/suppressions/import", Scope.SUPPRESSIONS, transfer::importLines),
                Route.get("/v1/suppressions/{stream}/{address}", Scope.SUPPRESSIONS, this::get),
                Route.delete("/v1/suppressions/{stream}/{address}", Scope.SUPPRESSIONS, this::delete),
                Route.post("/v1/suppressions/{stream}/{address}/approve", Scope.SUPPRESSIONS, ctx -> review(ctx, true)),
                Route.post("/v1/suppressions/{stream}/{address}/reject", Scope.SUPPRESSIONS, ctx -> review(ctx, false)));
    }

    // ---- reads ----------------------------------------------------------------------------------------------

    private static Optional<String> param(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static Optional<Instant> instantParam(Context ctx, String name) {
        Optional<String> v = param(ctx, name);
        if (v.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Instant.parse(v.get()));
        } catch (DateTimeParseException e) {
            throw ApiError.invalid(name, v.get(), "expected an ISO-8601 instant in UTC, e.g. 2026-05-01T00:00:00Z");
        }
    }

    /** The list filters of a request (also the export's); {@code state} forced for the review queue. */
    static SuppressionQuery query(Context ctx, Optional<SuppressionState> forced, int defaultLimit) {
        Optional<String> stream = param(ctx, "stream");
        if (stream.isPresent() && !StreamName.valid(stream.get())) throw ApiError.invalid("stream", stream.get(), StreamName.EXPECTED);
        Optional<SuppressionState> state = forced;
        Optional<String> stateText = param(ctx, "state");
        if (stateText.isPresent()) {
            SuppressionState s;
            try {
                s = SuppressionState.valueOf(stateText.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("state", stateText.get(), "expected SUPPRESSED or REVIEW");
            }
            if (forced.isPresent() && forced.get() != s)
                throw ApiError.invalid("state", stateText.get(), "the review queue lists REVIEW entries only; use GET /v1/suppressions?state=" + s);
            state = Optional.of(s);
        }
        Optional<String> reason = param(ctx, "reason").map(r -> r.toLowerCase(Locale.ROOT));
        if (reason.isPresent() && !REASON_CODE.matcher(reason.get()).matches())
            throw ApiError.invalid("reason", reason.get(), "expected a reason code such as userunknown, feedback, manual (a-z, 0-9, '_', '.', '-', at most 32)");
        Optional<String> origin = param(ctx, "origin").map(o -> o.toLowerCase(Locale.ROOT));
        if (origin.isPresent() && !ORIGINS.contains(origin.get()))
            throw ApiError.invalid("origin", origin.get(), "expected policy, manual or import");
        Optional<String> domain = param(ctx, "domain").map(d -> d.toLowerCase(Locale.ROOT));
        if (domain.isPresent() && (domain.get().length() > 255 || Addresses.addrSpec("x@" + domain.get()).isEmpty()))
            throw ApiError.invalid("domain", domain.get(), "expected a recipient domain, e.g. example.com");
        Optional<String> address = param(ctx, "address");
        Optional<SuppressionQuery.Cursor> cursor = Optional.empty();
        Optional<String> cursorText = param(ctx, "cursor");
        if (cursorText.isPresent()) {
            cursor = SuppressionQuery.Cursor.parse(cursorText.get());
            if (cursor.isEmpty()) throw ApiError.invalid("cursor", cursorText.get(), "not a cursor of this API: pass next_cursor of the previous page as it was");
        }
        int limit = defaultLimit;
        Optional<String> l = param(ctx, "limit");
        if (l.isPresent()) {
            try {
                limit = Integer.parseInt(l.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) throw ApiError.invalid("limit", l.get(), "expected a whole number from 1 to " + MAX_LIMIT);
        }
        return new SuppressionQuery(stream, address, state, reason, origin, domain, instantParam(ctx, "created_after"),
                instantParam(ctx, "created_before"), instantParam(ctx, "expires_after"), instantParam(ctx, "expires_before"), cursor, limit);
    }

    private void list(Context ctx, Optional<SuppressionState> forced) {
        SuppressionQuery q = query(ctx, forced, DEFAULT_LIMIT);
        SuppressionQuery.Page page = store.suppressionPage(q);
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("suppressions");
        for (Suppression s : page.entries()) items.add(Views.suppression(s));
        n.put("count", page.entries().size()).put("limit", q.limit());
        if (page.next().isPresent()) n.put("next_cursor", page.next().get().token());
        else n.putNull("next_cursor");
        ctx.json(n);
    }

    private static String address(Context ctx) {
        return ctx.pathParam("address").strip();
    }

    private static String stream(Context ctx) {
        String stream = ctx.pathParam("stream");
        if (!StreamName.valid(stream)) throw ApiError.invalid("stream", stream, StreamName.EXPECTED);
        return stream;
    }

    private Optional<Suppression> entry(String address, String stream) {
        return store.suppressions(Optional.of(stream), Optional.of(address), Optional.empty(), 1).stream().findFirst();
    }

    private void get(Context ctx) {
        String stream = stream(ctx), address = address(ctx);
        Optional<Suppression> s = entry(address, stream);
        List<SuppressionAudit> audit = store.suppressionAudit(address, stream);
        if (s.isEmpty()) {
            ApiError e = ApiError.notFound("address", address, "this address is not on the suppression list of stream '" + stream + "'"
                    + (audit.isEmpty() ? "" : "; its history is in audit"));
            throw audit.isEmpty() ? e : e.with("audit", Views.audit(audit));
        }
        ObjectNode n = Views.suppression(s.get());
        List<String> refs = new ArrayList<>();
        refs.add(s.get().evidenceRef());
        for (SuppressionAudit a : audit.reversed()) refs.add(a.evidenceRef());
        n.set("evidence", Views.causes(store.suppressionCauses(refs)));
        n.set("audit", Views.audit(audit));
        ctx.json(n);
    }

    // ---- changes --------------------------------------------------------------------------------------------

    /** The request body of a change: a JSON object. */
    private static JsonNode body(Context ctx) {
        JsonNode body = Json.read(ctx.bodyAsBytes());
        if (body == null) return Json.object(); // no body: the missing reason is named below
        if (!body.isObject()) throw ApiError.invalid("body", Json.abbreviate(body.toString()), "expected a JSON object with a \"reason\"");
        return body;
    }

    /** The required written reason of a change (kept in the audit trail). */
    private static String reason(JsonNode body, String what) {
        JsonNode reason = body.get("reason");
        if (reason == null || !reason.isString() || reason.asString().isBlank())
            throw ApiError.invalid("reason", reason == null ? null : reason.toString(),
                    "say why " + what + ": send {\"reason\": \"...\"} (kept in the audit trail)");
        if (reason.asString().length() > MAX_NOTE) throw ApiError.invalid("reason", reason.asString(), "at most " + MAX_NOTE + " characters");
        return reason.asString().strip();
    }

    /** The audit actor: the caller's key fingerprint, after an optional {@code actor} name from the body. */
    private static String actor(Context ctx, JsonNode body) {
        JsonNode actorNode = body.get("actor");
        String actor = ApiServer.caller(ctx);
        if (actorNode != null && actorNode.isString() && !actorNode.asString().isBlank())
            actor = actorNode.asString().strip().substring(0, Math.min(64, actorNode.asString().strip().length())) + " (" + actor + ")";
        return actor;
    }

    private static Optional<Instant> expiresAt(JsonNode body, Instant now) {
        JsonNode e = body.get("expires_at");
        if (e == null || e.isNull()) return Optional.empty();
        Instant at;
        try {
            at = Instant.parse(e.asString(""));
        } catch (DateTimeParseException ex) {
            throw ApiError.invalid("expires_at", e.toString(), "expected an ISO-8601 instant in UTC, e.g. 2027-01-01T00:00:00Z, or null for never");
        }
        if (!at.isAfter(now)) throw ApiError.invalid("expires_at", e.asString(), "must lie in the future (now is " + now + ")");
        return Optional.of(at);
    }

    private static boolean flag(JsonNode body, String name) {
        JsonNode f = body.get(name);
        if (f == null || f.isNull()) return false;
        if (!f.isBoolean()) throw ApiError.invalid(name, f.toString(), "expected true or false");
        return f.asBoolean();
    }

    private static ApiError missing(String address, String stream, String what) {
        return ApiError.notFound("address", address, "this address is not on the suppression list of stream '" + stream + "'; " + what);
    }

    private void add(Context ctx) {
        JsonNode body = body(ctx);
        JsonNode a = body.get("address");
        String address = a == null || !a.isString() ? "" : a.asString().strip();
        if (Addresses.addrSpec(address).isEmpty())
            throw ApiError.invalid("address", a == null ? null : a.asString(a.toString()), "expected an email address local@domain");
        JsonNode st = body.get("stream");
        String stream = st == null || st.isNull() ? StreamName.DEFAULT : st.asString("");
        if (!StreamName.valid(stream)) throw ApiError.invalid("stream", stream, StreamName.EXPECTED);
        String reason = reason(body, "the address is suppressed");
        Instant now = clock.instant();
        Suppression entry = new Suppression(address, stream, Suppression.MANUAL, "manual", now, expiresAt(body, now), "",
                SuppressionState.SUPPRESSED, Suppression.MANUAL, reason);
        switch (store.addSuppression(entry, actor(ctx, body))) {
            case SuppressionChange.Done d -> {
                ObjectNode n = Views.suppression(d.entry());
                n.set("audit", Views.audit(store.suppressionAudit(address, stream)));
                ctx.status(201).json(n);
            }
            case SuppressionChange.Refused r -> throw new ApiError(409, "already_listed", "address", address, "the address is already on the "
                    + "suppression list of stream '" + stream + "' (" + r.entry().state() + ", reason " + r.entry().reason() + ", rule "
                    + r.entry().ruleId() + ", since " + r.entry().createdAt() + "); nothing added: approve the review "
                    + "(POST .../approve) or remove the entry first").with("suppression", Views.suppression(r.entry()));
            case SuppressionChange.Missing m -> throw new IllegalStateException("an add never finds nothing");
        }
    }

    private void delete(Context ctx) {
        String stream = stream(ctx), address = address(ctx);
        JsonNode body = body(ctx);
        String reason = reason(body, "the suppression is lifted");
        boolean force = flag(body, "force");
        Optional<Suppression> current = entry(address, stream);
        if (force && current.map(Suppression::complaint).orElse(false) && !ApiServer.callerMay(ctx, Scope.ADMIN))
            throw new ApiError(403, "forbidden", "scope", Scope.ADMIN.id(), "the entry of " + address + " on stream '" + stream
                    + "' records the recipient's complaint; lifting it with force needs an API key with the admin scope, "
                    + "and this key lacks it (ask an administrator, or create a key with --scope admin)");
        SuppressionChange change = store.removeSuppression(address, stream, actor(ctx, body), reason, force, config.releaseWindow());
        answer(ctx, change, address, stream, "removed");
    }

    private void review(Context ctx, boolean approve) {
        String stream = stream(ctx), address = address(ctx);
        JsonNode body = body(ctx);
        String reason = reason(body, approve ? "the review is approved" : "the review is rejected");
        Optional<Instant> expires = approve ? expiresAt(body, clock.instant()) : Optional.empty();
        if (!approve && body.has("expires_at")) throw ApiError.invalid("expires_at", body.get("expires_at").toString(), "only an approval sets an expiry");
        SuppressionChange change = store.reviewSuppression(address, stream, approve, actor(ctx, body), reason, expires, config.releaseWindow());
        answer(ctx, change, address, stream, approve ? "approved" : "rejected");
    }

    private void answer(Context ctx, SuppressionChange change, String address, String stream, String done) {
        switch (change) {
            case SuppressionChange.Done d -> {
                if (d.released() > 0) wake.run();
                ObjectNode n = Json.object().put(done, true).put("released", d.released());
                n.set("suppression", Views.suppression(d.entry()));
                n.set("audit", Views.audit(store.suppressionAudit(address, stream)));
                ctx.json(n);
            }
            case SuppressionChange.Missing m -> throw missing(address, stream, "nothing " + done);
            case SuppressionChange.Refused r -> throw switch (r.why()) {
                case COMPLAINT_NEEDS_FORCE -> new ApiError(409, "complaint_needs_force", "force", "false", "the entry of " + address
                        + " on stream '" + stream + "' records the recipient's complaint (reason " + r.entry().reason() + ", rule "
                        + r.entry().ruleId() + ", since " + r.entry().createdAt() + "): the recipient asked not to get this mail, so a "
                        + "plain removal does not lift it. Nothing was removed. If the recipient has asked for mail again (e.g. "
                        + "subscribed anew), send {\"reason\": \"...\", \"force\": true} with an API key that has the admin scope; "
                        + "the removal is audited").with("suppression", Views.suppression(r.entry()));
                case NOT_IN_REVIEW -> new ApiError(409, "not_in_review", "state", r.entry().state().name(), "the entry of " + address
                        + " on stream '" + stream + "' is " + r.entry().state() + ", not in REVIEW; nothing " + done
                        + " (remove it with DELETE /v1/suppressions/" + stream + "/" + address + ")").with("suppression", Views.suppression(r.entry()));
                case ALREADY_LISTED -> new IllegalStateException("only an add is refused as already listed");
            };
        }
    }
}
