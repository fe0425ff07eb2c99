package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * SendGrid Event Webhook: a JSON array of events, one recipient each. Mapping per shared notes
 * provider-events.md §6.2 (SendGrid "Event Webhook reference" and "Bounce and block classifications"):
 * {@code event} (and for bounces {@code type} and {@code bounce_classification}) decide; {@code reason}/{@code status}
 * or {@code response} refine the reason where the labels are coarse.
 */
final class SendGridNormalizer {
    private static final Provider P = Provider.SENDGRID;
    private static final java.util.Set<String> RECIPIENT_EVENTS =
            java.util.Set.of("delivered", "deferred", "bounce", "dropped", "spamreport");
    private final EventRules rules;

    SendGridNormalizer(EventRules rules) {
        this.rules = rules;
    }

    List<EventResult> normalize(byte[] body) {
        JsonNode root = Payload.parse(body, "SendGrid body");
        if (!root.isArray()) {
            throw new Payload.Problem("SendGrid body must be a JSON array of events, got " + Payload.kind(root));
        }
        List<EventResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode ev : root) {
            String path = "[" + i++ + "]";
            if (!ev.isObject()) throw new Payload.Problem("SendGrid event " + path + " must be an object, got " + Payload.kind(ev));
            out.add(one(ev, path));
        }
        return out;
    }

    private EventResult one(JsonNode ev, String path) {
        String event = Payload.text(ev, "event", path);
        String email = Payload.optString(ev, "email", path);
        String type = Payload.optString(ev, "type", path);
        String classification = Payload.optString(ev, "bounce_classification", path);
        String reasonText = Payload.optString(ev, "reason", path);
        String status = Payload.optScalar(ev, "status", path);
        String response = Payload.optString(ev, "response", path);
        StringBuilder label = new StringBuilder(event);
        if (event.equals("bounce")) label.append("/type=").append(type.isEmpty() ? "bounce" : type);
        if (!classification.isEmpty()) label.append('/').append(classification);
        if (event.equals("dropped") && !reasonText.isEmpty()) label.append('/').append(reasonText);
        String diagnostic = !response.isEmpty() ? response : reasonText;
        int code = EventRules.leadingCode(diagnostic);
        ProviderEvent e = new ProviderEvent(P, label.toString(), email,
                Payload.optString(ev, "sg_message_id", path), code, event.equals("dropped") ? "" : status,
                diagnostic, Payload.optEpochSeconds(ev, "timestamp", path), Payload.optString(ev, "sg_event_id", path),
                Payload.compact(ev)).withCorrelation(Payload.optString(ev, "smtp-id", path), customArgs(ev));
        if (email.isEmpty() && RECIPIENT_EVENTS.contains(event)) {
            throw Payload.missing(path, "email");
        }
        return switch (event) {
            case "delivered" -> classified(e, rules.fixed(e, Outcome.DELIVERED, Reason.DELIVERED, EventRules.ruleId(P, "delivered")));
            case "deferred" -> classified(e, rules.refined(e, Outcome.DEFERRED, Reason.UNDEFINED, EventRules.ruleId(P, "deferred")));
            case "bounce" -> bounce(e, type.isEmpty() ? "bounce" : type, classification);
            case "dropped" -> dropped(e, reasonText);
            case "spamreport" -> classified(e, rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK, EventRules.ruleId(P, "spamreport")));
            case "processed", "open", "click", "unsubscribe", "group_unsubscribe", "group_resubscribe" ->
                    new EventResult.Ignored(e, Optional.empty(), "SendGrid " + event + ": no delivery outcome",
                            EventRules.ruleId(P, event));
            default -> new EventResult.Ignored(e, Optional.empty(),
                    "unknown SendGrid event \"" + event + "\": kept as evidence, no outcome", EventRules.ruleId(P, "unknown"));
        };
    }

    /** SendGrid's documented event fields; any other top-level scalar is a custom arg merged in by SendGrid. */
    private static final java.util.Set<String> STANDARD_FIELDS = java.util.Set.of("email", "timestamp", "event",
            "smtp-id", "sg_event_id", "sg_message_id", "category", "response", "attempt", "reason", "status", "type",
            "bounce_classification", "pool", "ip", "tls", "useragent", "url", "url_offset", "asm_group_id",
            "marketing_campaign_id", "marketing_campaign_name", "marketing_campaign_version",
            "marketing_campaign_split_id", "sg_machine_open", "sg_content_type", "sg_template_id", "sg_template_name",
            "cert_err", "domain", "from", "send_at");

    private static java.util.Map<String, String> customArgs(JsonNode ev) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (var f : ev.properties()) {
            JsonNode v = f.getValue();
            if (STANDARD_FIELDS.contains(f.getKey())) continue;
            if (v.isString()) out.put(f.getKey(), v.stringValue());
            else if (v.isNumber() || v.isBoolean()) out.put(f.getKey(), v.asString());
        }
        return out;
    }

    private EventResult bounce(ProviderEvent e, String type, String classification) {
        String rule = EventRules.ruleId(P, "bounce", type, classification.isEmpty() ? "none" : classification);
        boolean blocked = type.equals("blocked");
        // The classification is trusted over the type where they disagree (notes 6.7 #6).
        Classification c = switch (classification) {
            case "Invalid Address" -> rules.fixed(e, Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, rule);
            case "Reputation" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.BADREPUTATION, rule);
            case "Content" -> {
                Classification r = rules.refined(e, Outcome.BLOCKED_POLICY, Reason.SPAMDETECTED, rule);
                yield r.reason().family() == Outcome.BLOCKED_POLICY ? r
                        : rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SPAMDETECTED, rule);
            }
            // Ambiguous: a throttle. SendGrid gave up on this message, so it is final but soft.
            case "Frequency or Volume" -> rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.SPEEDING, rule);
            // Ambiguous: SendGrid suppresses it as a bounce, but the mailbox exists (full or disabled).
            case "Mailbox Unavailable" -> rules.refined(e, Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, rule);
            case "Technical", "Unclassified" -> rules.refined(e, Outcome.BOUNCED_SOFT, Reason.UNDEFINED, rule);
            default -> {
                // No or unknown classification: by the reply; a block stays a block, a bounce defaults to hard.
                Classification r = rules.refined(e, blocked ? Outcome.BLOCKED_POLICY : Outcome.BOUNCED_HARD,
                        blocked ? Reason.BLOCKED : Reason.UNDEFINED, rule);
                yield (!blocked && r.reason().family() == Outcome.BLOCKED_POLICY)
                        ? new Classification(Outcome.BLOCKED_POLICY, r.reason(), r.ruleId(), r.evidence()) : r;
            }
        };
        return classified(e, c);
    }

    private EventResult dropped(ProviderEvent e, String reason) {
        String rule = EventRules.ruleId(P, "dropped", reason);
        // Nothing was attempted (notes 6.7 #2): record with reason "suppressed" where it is a list drop.
        return switch (reason) {
            case "Bounced Address" -> classified(e, rules.fixed(e, Outcome.BOUNCED_HARD, Reason.SUPPRESSED, rule));
            case "Unsubscribed Address", "Spam Reporting Address" ->
                    classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED, rule));
            case "Invalid" -> classified(e, rules.fixed(e, Outcome.BOUNCED_HARD, Reason.SYNTAXERROR, rule));
            case "Spam Content" -> classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SPAMDETECTED, rule));
            default -> new EventResult.Ignored(e, Optional.empty(), "SendGrid dropped the message for a sender-side "
                    + "reason (\"" + reason + "\"): says nothing about the recipient", rule);
        };
    }

    private static EventResult classified(ProviderEvent e, Classification c) {
        return new EventResult.Classified(e, c);
    }
}
