package dev.rebound.server.api;

import dev.rebound.core.policy.PlannedAttempt;
import dev.rebound.core.policy.RetryPlan;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.EvidenceView;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionAudit;
import dev.rebound.server.store.SuppressionCause;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON shapes of the API's resources, rendered from what the store read (no store access here). */
final class Views {
    private Views() {}

    static ObjectNode receipt(AcceptResult.Receipt r) {
        ObjectNode n = Json.object().put("id", r.messageId());
        ArrayNode a = n.putArray("recipients");
        for (AcceptResult.RecipientReceipt rr : r.recipients())
            a.addObject().put("id", rr.id()).put("address", rr.address()).put("state", rr.state().name());
        return n;
    }

    /**
     * A message with every recipient, its plan, the suppression entry its attempts led to and its attempts and evidence.
     *
     * @param plans        the retry plan of each recipient still waiting, by recipient id
     * @param suppressions the active suppression entries on the message's addresses (one read for the message)
     * @param evidence     the evidence matched to the message's recipients
     */
    static ObjectNode message(MessageView v, Function<MessageView.RecipientView, RetryPlan> plans, List<Suppression> suppressions,
                              List<EvidenceView> evidence) {
        Map<String, Suppression> byRef = new HashMap<>();
        for (Suppression s : suppressions) byRef.put(s.evidenceRef(), s);
        Map<String, List<EvidenceView>> evidenceByRecipient = evidence.stream()
                .collect(Collectors.groupingBy(EvidenceView::recipientId));
        ObjectNode n = Json.object().put("id", v.id()).put("stream", v.stream()).put("mail_from", v.mailFrom())
                .put("message_id_header", v.headerMessageId()).put("size_bytes", v.sizeBytes()).put("source", v.source())
                .put("created_at", v.createdAt().toString());
        ArrayNode rs = n.putArray("recipients");
        for (MessageView.RecipientView r : v.recipients()) {
            ObjectNode rn = rs.addObject().put("id", r.id()).put("address", r.address()).put("domain", r.domain())
                    .put("state", r.state().name()).put("attempt_count", r.attemptCount());
            Json.putInstant(rn, "next_attempt_at", r.nextAttemptAt());
            rn.put("last_outcome", Json.emptyToNull(r.lastOutcome())).put("reason", Json.emptyToNull(r.lastReason()))
                    .put("rule", Json.emptyToNull(r.lastRule()));
            Json.putInstant(rn, "released_at", r.releasedAt());
            ArrayNode plan = rn.putArray("planned_attempts");
            if (!r.state().isFinal()) {
                RetryPlan p = plans.apply(r);
                for (PlannedAttempt pa : p.attempts())
                    plan.addObject().put("attempt", pa.number()).put("at", pa.at().toString()).put("rule", pa.ruleId()).put("why", pa.why());
                rn.put("gives_up_at", p.givesUpAt().toString());
            }
            // The suppression list entry this recipient's attempts led to (a suppression or a review), if any.
            rn.putNull("suppression");
            if (r.state().isFinal() && r.state() != RecipientState.DELIVERED) {
                r.attempts().stream().map(a -> byRef.get(a.id())).filter(s -> s != null).findFirst().ifPresent(sup -> {
                    ObjectNode sn = rn.putObject("suppression").put("state", sup.state().name()).put("reason", sup.reason())
                            .put("rule", sup.ruleId()).put("evidence_ref", sup.evidenceRef());
                    Json.putInstant(sn, "expires_at", sup.expiresAt());
                });
            }
            ArrayNode as = rn.putArray("attempts");
            for (MessageView.AttemptView a : r.attempts()) {
                as.add(attempt(a));
            }
            ArrayNode en = rn.putArray("evidence");
            for (EvidenceView e : evidenceByRecipient.getOrDefault(r.id(), List.of())) en.add(evidence(e));
        }
        return n;
    }

    /** One delivery attempt with its reply, classification, decision and TLS. */
    static ObjectNode attempt(MessageView.AttemptView a) {
        ObjectNode an = Json.object().put("id", a.id()).put("attempt", a.attemptNo()).put("started_at", a.startedAt().toString())
                .put("duration_ms", a.durationMs()).put("mx_host", a.mxHost()).put("mx_ip", a.mxIp()).put("phase", a.phase())
                .put("smtp_code", a.smtpCode()).put("enhanced_code", a.enhancedCode()).put("local", a.local());
        ArrayNode lines = an.putArray("reply_lines");
        a.replyLines().forEach(lines::add);
        an.put("outcome", a.outcome()).put("reason", a.reason()).put("rule", a.ruleId()).put("decision", a.decision())
                .put("decision_reason", a.decisionReason())
                .put("decision_rule", a.decisionRule()).put("raw_reason", a.rawReason()).putNull("provider_event");
        Json.putInstant(an, "next_attempt_at", a.nextAttemptAt());
        if (a.tls().isPresent()) {
            var t = a.tls().get();
            an.putObject("tls").put("rule", t.rule()).put("verdict", t.verdict().name()).put("mode", t.mode().id())
                    .put("policy_id", t.policyId()).put("tls", t.tls()).put("detail", t.detail());
        } else {
            an.putNull("tls");
        }
        return an;
    }

    /** One piece of asynchronous evidence (provider event, DSN record). */
    static ObjectNode evidence(EvidenceView e) {
        ObjectNode n = Json.object().put("id", e.id()).put("source", e.source()).put("provider", e.provider())
                .put("provider_event", e.providerEvent()).put("provider_message_id", Json.emptyToNull(e.providerMessageId()))
                .put("message_id_header", Json.emptyToNull(e.headerMessageId())).put("message_id", Json.emptyToNull(e.messageId()))
                .put("recipient_id", Json.emptyToNull(e.recipientId())).put("matched_by", e.matchedBy()).put("address", e.address())
                .put("stream", e.stream()).put("recipient_domain", e.domain()).put("smtp_code", e.smtpCode())
                .put("enhanced_code", e.enhancedCode()).put("raw_reason", e.rawReason()).put("outcome", Json.emptyToNull(e.outcome()))
                .put("reason", Json.emptyToNull(e.reason())).put("rule", e.ruleId()).put("decision", Json.emptyToNull(e.decision()))
                .put("decision_rule", Json.emptyToNull(e.decisionRule())).put("suppression_rule", Json.emptyToNull(e.suppressionRule()));
        Json.putInstant(n, "occurred_at", e.occurredAt());
        n.put("received_at", e.receivedAt().toString());
        JsonNode payload;
        try {
            payload = Json.MAPPER.readTree(e.payload());
        } catch (JacksonException ex) {
            payload = null;
        }
        if (payload != null && !payload.isMissingNode()) n.set("payload", payload);
        else n.put("payload", e.payload());
        return n;
    }

    /** A suppression list entry. */
    static ObjectNode suppression(Suppression s) {
        ObjectNode n = Json.object().put("address", s.address()).put("stream", s.stream())
                .put("state", s.state().name()).put("reason", s.reason()).put("rule", s.ruleId())
                .put("evidence_ref", s.evidenceRef()).put("origin", s.origin()).put("note", s.note())
                .put("complaint", s.complaint()).put("created_at", s.createdAt().toString());
        Json.putInstant(n, "expires_at", s.expiresAt());
        return n;
    }

    /** The attempts and evidence rows an entry and its audit trail name as their causes. */
    static ArrayNode causes(List<SuppressionCause> causes) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (SuppressionCause c : causes) {
            switch (c) {
                case SuppressionCause.AttemptCause at -> {
                    ObjectNode n = a.addObject().put("ref", at.ref()).put("kind", "attempt").put("message_id", at.messageId())
                            .put("recipient_id", at.recipientId()).put("address", at.address());
                    n.set("attempt", attempt(at.attempt()));
                }
                case SuppressionCause.EvidenceCause ev -> {
                    ObjectNode n = a.addObject().put("ref", ev.ref()).put("kind", ev.evidence().source());
                    n.set("evidence", evidence(ev.evidence()));
                }
            }
        }
        return a;
    }

    static ArrayNode audit(List<SuppressionAudit> audit) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (SuppressionAudit x : audit) {
            ObjectNode n = a.addObject().put("at", x.at().toString()).put("action", x.action()).put("state", x.state().name())
                    .put("reason", x.reason()).put("rule", x.ruleId()).put("evidence_ref", x.evidenceRef())
                    .put("actor", x.actor()).put("note", x.note());
            Json.putInstant(n, "expires_at", x.expiresAt());
        }
        return a;
    }

    /** One page of an address's timeline; every entry has {@code at}, {@code kind}, {@code stream} and {@code rule}. */
    static ObjectNode timeline(dev.rebound.server.store.Timeline t, int limit) {
        ObjectNode n = Json.object().put("address", t.address()).put("stream", t.stream().orElse(null)).put("limit", limit);
        ArrayNode entries = n.putArray("entries");
        for (dev.rebound.server.store.Timeline.Entry e : t.entries()) entries.add(timelineEntry(e));
        n.put("count", t.entries().size());
        n.put("next_cursor", t.nextCursor().map(dev.rebound.server.store.Timeline.Cursor::text).orElse(null));
        return n;
    }

    private static ObjectNode timelineEntry(dev.rebound.server.store.Timeline.Entry e) {
        ObjectNode n = Json.object().put("at", e.at().toString());
        switch (e) {
            case dev.rebound.server.store.Timeline.Accepted a -> {
                n.put("kind", "accepted").put("stream", a.stream()).put("message_id", a.messageId()).put("recipient_id", a.recipientId())
                        .put("address", a.address()).put("state", a.initialState().name()).put("mail_from", a.mailFrom())
                        .put("message_id_header", Json.emptyToNull(a.headerMessageId())).put("source", a.source()).putNull("rule");
            }
            case dev.rebound.server.store.Timeline.AttemptEntry a -> {
                MessageView.AttemptView v = a.attempt();
                n.put("kind", "attempt").put("stream", a.stream()).put("message_id", a.messageId()).put("recipient_id", a.recipientId())
                        .put("id", v.id()).put("attempt", v.attemptNo()).put("duration_ms", v.durationMs()).put("mx_host", v.mxHost())
                        .put("mx_ip", v.mxIp()).put("phase", v.phase()).put("smtp_code", v.smtpCode()).put("enhanced_code", v.enhancedCode())
                        .put("local", v.local());
                ArrayNode lines = n.putArray("reply_lines");
                v.replyLines().forEach(lines::add);
                n.put("raw_reason", v.rawReason()).put("outcome", v.outcome()).put("reason", v.reason()).put("rule", v.ruleId());
                if (v.tls().isPresent()) {
                    var tls = v.tls().get();
                    n.putObject("tls").put("rule", tls.rule()).put("verdict", tls.verdict().name()).put("mode", tls.mode().id())
                            .put("policy_id", tls.policyId()).put("tls", tls.tls()).put("detail", tls.detail());
                } else {
                    n.putNull("tls");
                }
            }
            case dev.rebound.server.store.Timeline.EvidenceEntry x -> {
                n.put("kind", "dsn".equals(x.evidence().source()) ? "dsn" : "provider_event").put("stream", x.stream());
                n.setAll(evidence(x.evidence()));
            }
            case dev.rebound.server.store.Timeline.Decision d -> {
                n.put("kind", "decision").put("stream", d.stream()).put("source", d.source()).put("ref", d.ref())
                        .put("message_id", Json.emptyToNull(d.messageId())).put("recipient_id", Json.emptyToNull(d.recipientId()))
                        .put("state", Json.emptyToNull(d.state())).put("reason", Json.emptyToNull(d.reason())).put("rule", d.ruleId())
                        .put("suppression_rule", Json.emptyToNull(d.suppressionRule()));
                Json.putInstant(n, "next_attempt_at", d.nextAttemptAt());
            }
            case dev.rebound.server.store.Timeline.SuppressionChange s -> {
                var x = s.audit();
                n.put("kind", "suppression").put("stream", x.stream()).put("id", x.id()).put("action", x.action())
                        .put("state", x.state().name()).put("reason", x.reason()).put("rule", x.ruleId())
                        .put("evidence_ref", Json.emptyToNull(x.evidenceRef())).put("actor", x.actor()).put("note", x.note());
                Json.putInstant(n, "expires_at", x.expiresAt());
            }
        }
        return n;
    }

    /** A replay's report (the last NDJSON line of {@code POST /v1/replay}). */
    static ObjectNode replay(dev.rebound.server.replay.ReplayRun.Report r) {
        var o = r.options();
        ObjectNode n = Json.object().put("since", o.since().toString()).put("until", o.until().toString()).put("config", o.config())
                .put("apply", o.apply()).put("addresses", r.pairs()).put("attempts", r.attempts()).put("evidence", r.evidence())
                .put("recipients_changed", r.recipientsChanged());
        ObjectNode counts = n.putObject("suppression_changes");
        for (var k : dev.rebound.server.store.ReplayChange.Kind.values()) counts.put(k.id(), r.kinds().getOrDefault(k, 0L));
        n.put("applied", r.applied()).put("skipped", r.skipped());
        ObjectNode byRule = n.putObject("by_rule");
        r.byRule().forEach((rule, kinds) -> {
            ObjectNode kn = byRule.putObject(rule);
            kinds.forEach((k, c) -> kn.put(k.id(), c));
        });
        ObjectNode recByRule = n.putObject("recipients_by_rule");
        r.recipientsByRule().forEach(recByRule::put);
        ArrayNode recipients = n.putArray("recipients");
        for (var rc : r.recipients()) {
            ObjectNode x = recipients.addObject().put("address", rc.address()).put("stream", rc.stream()).put("recipient_id", rc.recipientId())
                    .put("message_id", rc.messageId()).put("rows_changed", rc.rowsChanged());
            x.set("before", verdict(rc.before()));
            x.set("after", verdict(rc.after()));
        }
        ArrayNode sups = n.putArray("suppressions");
        for (var c : r.suppressions()) {
            var ch = c.change();
            ObjectNode x = sups.addObject().put("address", ch.address()).put("stream", ch.stream()).put("change", ch.kind().id())
                    .put("rule", ch.ruleId());
            if (ch.before().isPresent()) x.set("before", suppression(ch.before().get()));
            else x.putNull("before");
            if (ch.after().isPresent()) x.set("after", suppression(ch.after().get()));
            else x.putNull("after");
            if (c.applied().isPresent()) x.put("applied", c.applied().get());
            else x.putNull("applied");
        }
        n.put("listed_limit", dev.rebound.server.replay.ReplayRun.LISTED);
        return n;
    }

    private static ObjectNode verdict(dev.rebound.server.decide.Replay.Verdict v) {
        return Json.object().put("outcome", Json.emptyToNull(v.outcome())).put("reason", Json.emptyToNull(v.reason()))
                .put("rule", Json.emptyToNull(v.ruleId())).put("state", Json.emptyToNull(v.state()))
                .put("decision_reason", Json.emptyToNull(v.decisionReason())).put("decision_rule", Json.emptyToNull(v.decisionRule()));
    }
}
