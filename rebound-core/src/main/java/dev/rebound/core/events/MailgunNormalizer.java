package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Mailgun webhooks: {@code {"signature": {...}, "event-data": {...}}}, one event per request. {@code event},
 * {@code severity} and {@code reason} decide; {@code delivery-status} (code, enhanced-code, message) refines.
 * Mapping per shared notes provider-events.md §6.4 (Mailgun "Webhook Payloads", legacy events API docs).
 */
final class MailgunNormalizer {
    private static final Provider P = Provider.MAILGUN;
    private final EventRules rules;

    MailgunNormalizer(EventRules rules) {
        this.rules = rules;
    }

    List<EventResult> normalize(JsonNode root) {
        JsonNode d = Payload.object(root, "event-data", "body");
        String path = "body.event-data";
        String event = Payload.text(d, "event", path);
        String severity = Payload.optString(d, "severity", path);
        String reason = Payload.optString(d, "reason", path);
        JsonNode status = Payload.optObject(d, "delivery-status", path).orElse(null);
        String sp = path + ".delivery-status";
        int code = 0;
        String enhanced = "", text = "";
        if (status != null) {
            String c = Payload.optScalar(status, "code", sp);
            try {
                code = c.isEmpty() ? 0 : Integer.parseInt(c);
            } catch (NumberFormatException ex) {
                throw new Payload.Problem("field " + sp + ".code must be a number, got " + Payload.quote(c));
            }
            enhanced = Payload.optString(status, "enhanced-code", sp);
            if (enhanced.isEmpty()) enhanced = Payload.optString(status, "bounce-code", sp);
            text = Payload.optString(status, "message", sp);
            if (text.isBlank()) text = Payload.optString(status, "description", sp);
        }
        boolean delayedBounce = Payload.optObject(d, "flags", path)
                .map(f -> Payload.optBoolean(f, "is-delayed-bounce", path + ".flags")).orElse(false);
        String messageId = Payload.optObject(d, "message", path)
                .flatMap(m -> Payload.optObject(m, "headers", path + ".message"))
                .map(h -> Payload.optString(h, "message-id", path + ".message.headers")).orElse("");
        String label = event + (severity.isEmpty() ? "" : "/" + severity) + (reason.isEmpty() ? "" : "/" + reason)
                + (delayedBounce ? "/delayed-bounce" : "");
        // Mailgun's own codes (498, 605, 606, 607) are not SMTP replies: keep them out of the reply code.
        boolean smtpCode = code >= 200 && code <= 599;
        ProviderEvent e = new ProviderEvent(P, label, Payload.optString(d, "recipient", path), messageId,
                smtpCode ? code : 0, enhanced, smtpCode || text.isBlank() ? text : code + " " + text,
                Payload.optEpochSeconds(d, "timestamp", path), Payload.optString(d, "id", path), Payload.compact(d),
                messageId, Payload.scalars(d, "user-variables"));
        if (e.recipient().isEmpty() && List.of("delivered", "failed", "complained").contains(event)) {
            throw Payload.missing(path, "recipient");
        }
        return List.of(switch (event) {
            case "delivered" -> classified(e, rules.fixed(e, Outcome.DELIVERED, Reason.DELIVERED, EventRules.ruleId(P, "delivered")));
            case "complained" -> classified(e, rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK, EventRules.ruleId(P, "complained")));
            case "failed" -> failed(e, severity, reason);
            case "accepted", "opened", "clicked", "unsubscribed", "stored" -> new EventResult.Ignored(e, Optional.empty(),
                    "Mailgun " + event + ": no delivery outcome", EventRules.ruleId(P, event));
            case "rejected" -> new EventResult.Ignored(e, Optional.empty(),
                    "Mailgun rejected the message at the API: a sender-side failure", EventRules.ruleId(P, event));
            default -> new EventResult.Ignored(e, Optional.empty(),
                    "unknown Mailgun event \"" + event + "\": kept as evidence, no outcome", EventRules.ruleId(P, "unknown"));
        });
    }

    private EventResult failed(ProviderEvent e, String severity, String reason) {
        String rule = EventRules.ruleId(P, "failed", severity.isEmpty() ? "none" : severity,
                reason.isEmpty() ? "none" : reason);
        if (!severity.equals("permanent")) {
            // temporary: Mailgun retries after retry-seconds. The reply names the reason.
            return classified(e, reason.equals("espblock")
                    ? rules.fixed(e, Outcome.DEFERRED, Reason.BLOCKED, rule)
                    : rules.refined(e, Outcome.DEFERRED, Reason.UNDEFINED, rule));
        }
        return classified(e, switch (reason) {
            // Nothing attempted (notes 6.7 #2).
            case "suppress-bounce" -> rules.fixed(e, Outcome.BOUNCED_HARD, Reason.SUPPRESSED, rule);
            case "suppress-unsubscribe", "suppress-complaint" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED, rule);
            // Ambiguous: an ESP block, often temporary.
            case "espblock" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.BLOCKED, rule);
            case "old" -> rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.EXPIRED, rule);
            // bounce, generic (also delayed bounces) and anything new: "permanent" only says Mailgun stopped.
            // Ambiguous (notes 6.7 #1): the reply decides the family — 5.1.x hard, 5.2.2 soft, 5.7.x block.
            default -> byReply(e, rule);
        });
    }

    private Classification byReply(ProviderEvent e, String rule) {
        Classification c = rules.refined(e, Outcome.BOUNCED_HARD, Reason.UNDEFINED, rule);
        Reason r = c.reason();
        if (r == Reason.UNDEFINED) {
            // No recognisable reason: a 4xx reply that Mailgun stopped retrying is soft; else trust "permanent".
            boolean transientReply = c.evidence().replyCode() / 100 == 4 || c.evidence().enhancedCode().startsWith("4.");
            return transientReply ? new Classification(Outcome.BOUNCED_SOFT, r, c.ruleId(), c.evidence()) : c;
        }
        Outcome family = r == Reason.SUPPRESSED || r == Reason.SYNTAXERROR ? Outcome.BOUNCED_HARD : r.family();
        if (family == Outcome.DELIVERED || family == Outcome.COMPLAINT || family == Outcome.DEFERRED) family = Outcome.BOUNCED_SOFT;
        return new Classification(family, r, c.ruleId(), c.evidence());
    }

    private static EventResult classified(ProviderEvent e, Classification c) {
        return new EventResult.Classified(e, c);
    }
}
