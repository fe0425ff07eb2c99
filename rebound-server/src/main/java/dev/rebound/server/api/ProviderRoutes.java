package dev.rebound.server.api;

import dev.rebound.core.events.EventResult;
import dev.rebound.core.events.Provider;
import dev.rebound.core.events.Verification;
import dev.rebound.core.events.WebhookRequest;
import dev.rebound.core.events.WebhookResult;
import dev.rebound.server.evidence.EvidenceRecorder;
import dev.rebound.server.store.EvidenceView;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoredEvidence;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/providers/{provider}/events}: the body bytes and headers go to the core
 * {@code ProviderWebhooks.receive}; a refusal is answered 4xx naming the problem and only counted
 * ({@code rebound_webhook_rejections}); accepted events are stored through {@link EvidenceRecorder} (one
 * transaction for the request), and the 200 is written after that commit. Provider webhooks authenticate by their
 * own scheme, not by {@code api.keys}. Also {@code GET /v1/providers/ses/subscriptions} (SNS subscription
 * confirmations received).
 *
 * <p>Status codes: MALFORMED 400, STALE 400 (the signed time is outside the replay window: a retry will not
 * help), UNAUTHENTIC 401, NOT_CONFIGURED 403, REPLAYED 409, unknown provider 404.
 */
final class ProviderRoutes {
    private static final Logger log = LoggerFactory.getLogger(ProviderRoutes.class);
    static final String SUBSCRIPTION_EVENT = "SNS/SubscriptionConfirmation";

    private final ApiServer.ProviderEvents events;
    private final Store store;
    private final MeterRegistry metrics;

    ProviderRoutes(ApiServer.ProviderEvents events, Store store, MeterRegistry metrics) {
        this.events = events;
        this.store = store;
        this.metrics = metrics;
    }

    List<Route> routes() {
        return List.of(Route.post("/v1/providers/{provider}/events", this::post).open(),
                Route.get("/v1/providers/ses/subscriptions", this::subscriptions));
    }

    static int status(Verification.Problem p) {
        return switch (p) {
            case MALFORMED, STALE -> 400;
            case UNAUTHENTIC -> 401;
            case NOT_CONFIGURED -> 403;
            case REPLAYED -> 409;
        };
    }

    private void post(Context ctx) {
        String name = ctx.pathParam("provider");
        var provider = Provider.fromId(name);
        if (provider.isEmpty()) {
            metrics.counter("rebound_webhook_rejections", "provider", "unknown", "problem", "NOT_FOUND").increment();
            throw ApiError.notFound("provider", name, "no such provider; use one of "
                    + Arrays.stream(Provider.values()).map(Provider::id).collect(Collectors.joining(", ")));
        }
        Map<String, String> headers = new LinkedHashMap<>(ctx.headerMap());
        WebhookResult result = events.webhooks().receive(new WebhookRequest(provider.get(), headers, ctx.bodyAsBytes()));
        switch (result) {
            case WebhookResult.Refused r -> {
                metrics.counter("rebound_webhook_rejections", "provider", r.provider().id(), "problem", r.problem().name()).increment();
                log.info("refused a {} webhook from {}: {} {}", r.provider().id(), ctx.ip(), r.problem(), r.reason());
                throw new ApiError(status(r.problem()), r.problem().name().toLowerCase(Locale.ROOT), "provider", r.provider().id(), r.reason());
            }
            case WebhookResult.Accepted a -> accepted(ctx, a);
        }
    }

    private void accepted(Context ctx, WebhookResult.Accepted a) {
        List<NewEvidence> evidence = new ArrayList<>(a.events().size());
        for (EventResult e : a.events()) evidence.add(EvidenceRecorder.fromProvider(e));
        List<StoredEvidence> stored = events.recorder().record(evidence); // committed when this returns
        ObjectNode n = Json.MAPPER.createObjectNode().put("provider", a.provider().id()).put("verified_by", a.verifiedBy())
                .put("events", a.events().size());
        int fresh = 0;
        ArrayNode results = Json.MAPPER.createArrayNode();
        ArrayNode subs = Json.MAPPER.createArrayNode();
        for (int i = 0; i < a.events().size(); i++) {
            EventResult e = a.events().get(i);
            StoredEvidence s = stored.get(i);
            NewEvidence ne = evidence.get(i);
            if (!s.duplicate()) {
                fresh++;
                metrics.counter("rebound_provider_events", "provider", a.provider().id(),
                        "outcome", ne.outcome().map(Enum::name).orElse("IGNORED")).increment();
            }
            ObjectNode r = results.addObject().put("evidence_id", s.evidenceId()).put("duplicate", s.duplicate())
                    .put("recipient", ne.address()).put("event", ne.providerEvent())
                    .put("outcome", ne.outcome().map(Enum::name).orElse(null)).put("reason", ne.reason().isEmpty() ? null : ne.reason())
                    .put("rule", ne.ruleId()).put("matched_by", s.match().matchedBy())
                    .put("message_id", s.match().messageId().orElse(null)).put("recipient_id", s.match().recipientId().orElse(null));
            if (!s.duplicate()) {
                r.put("state", s.decision().newState().map(Enum::name).orElse(null))
                        .put("decision_rule", s.decision().decisionRule().isEmpty() ? null : s.decision().decisionRule())
                        .put("suppression_rule", s.decision().suppressionRule().isEmpty() ? null : s.decision().suppressionRule())
                        .put("suppressed", s.decision().suppression().isPresent());
            }
            if (e instanceof EventResult.SubscriptionConfirmation sc) {
                String outcome = s.duplicate() ? "already received" : events.confirmer().confirm(sc.subscribeUrl());
                log.warn("SNS subscription confirmation for {}: {}; {}", sc.topicArn(), sc.instruction(), outcome);
                subs.addObject().put("topic_arn", sc.topicArn()).put("subscribe_url", sc.subscribeUrl())
                        .put("confirmation", outcome);
            }
        }
        n.put("stored", fresh).put("duplicates", a.events().size() - fresh);
        n.set("results", results);
        if (!subs.isEmpty()) n.set("subscriptions", subs);
        ctx.status(200).json(n);
    }

    private void subscriptions(Context ctx) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (EvidenceView e : store.evidenceOfEvent(SUBSCRIPTION_EVENT, 100)) {
            ObjectNode o = out.addObject().put("evidence_id", e.id()).put("received_at", e.receivedAt().toString());
            try {
                JsonNode env = Json.MAPPER.readTree(e.payload());
                o.put("topic_arn", env.path("TopicArn").asString("")).put("subscribe_url", env.path("SubscribeURL").asString(""))
                        .put("message_id", env.path("MessageId").asString(""));
            } catch (JacksonException ex) {
                o.put("payload", e.payload());
            }
        }
        ctx.json(Json.MAPPER.createObjectNode().set("subscriptions", out));
    }
}
