package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * SparkPost webhooks: a JSON array of {@code {"msys": {"<kind>_event": {...}}}}. Message events {@code bounce},
 * {@code out_of_band} (async NDR), {@code delay}, {@code delivery}, {@code spam_complaint},
 * {@code policy_rejection}...; {@code bounce_class} (SparkPost "Bounce classification codes") decides, and
 * {@code raw_reason} refines the generic classes. Mapping per shared notes provider-events.md §6.5.
 */
final class SparkPostNormalizer {
    private static final Provider P = Provider.SPARKPOST;
    private final EventRules rules;

    SparkPostNormalizer(EventRules rules) {
        this.rules = rules;
    }

    List<EventResult> normalize(byte[] body) {
        JsonNode root = Payload.parse(body, "SparkPost body");
        if (!root.isArray()) {
            throw new Payload.Problem("SparkPost body must be a JSON array of {\"msys\": {...}} objects, got " + Payload.kind(root));
        }
        List<EventResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : root) {
            String path = "[" + i++ + "]";
            if (!item.isObject()) throw new Payload.Problem("SparkPost item " + path + " must be an object, got " + Payload.kind(item));
            JsonNode msys = Payload.object(item, "msys", path);
            if (msys.isEmpty()) continue; // SparkPost's webhook test ping posts [{"msys": {}}]
            for (var kind : msys.properties()) {
                String kpath = path + ".msys." + kind.getKey();
                if (!kind.getValue().isObject()) throw Payload.wrongType(path + ".msys", kind.getKey(), "an object", kind.getValue());
                out.add(one(kind.getKey(), kind.getValue(), kpath));
            }
        }
        return out;
    }

    private EventResult one(String kind, JsonNode ev, String path) {
        String type = Payload.text(ev, "type", path);
        String bounceClass = Payload.optScalar(ev, "bounce_class", path);
        String raw = Payload.optString(ev, "raw_reason", path);
        String errorCode = Payload.optScalar(ev, "error_code", path);
        int code;
        try {
            code = errorCode.isEmpty() ? 0 : Integer.parseInt(errorCode.trim());
        } catch (NumberFormatException x) {
            throw new Payload.Problem("field " + path + ".error_code must be a number, got " + Payload.quote(errorCode));
        }
        String recipient = Payload.optString(ev, "rcpt_to", path);
        if (recipient.isEmpty()) recipient = Payload.optString(ev, "raw_rcpt_to", path);
        ProviderEvent e = new ProviderEvent(P, type + (bounceClass.isEmpty() ? "" : "/" + bounceClass), recipient,
                Payload.optString(ev, "message_id", path), code >= 200 && code <= 599 ? code : 0, "",
                raw.isEmpty() ? Payload.optString(ev, "reason", path) : raw,
                Payload.optEpochSeconds(ev, "timestamp", path), Payload.optString(ev, "event_id", path),
                Payload.compact(ev), "", Payload.scalars(ev, "rcpt_meta"));
        if (!kind.equals("message_event")) {
            return new EventResult.Ignored(e, Optional.empty(), "SparkPost " + kind + " " + type + ": no delivery outcome",
                    EventRules.ruleId(P, kind, type));
        }
        return switch (type) {
            case "delivery" -> classified(e, rules.fixed(e, Outcome.DELIVERED, Reason.DELIVERED, EventRules.ruleId(P, "delivery")));
            case "spam_complaint" -> classified(e, rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK, EventRules.ruleId(P, "spamcomplaint")));
            case "policy_rejection", "generation_rejection" ->
                    classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED, EventRules.ruleId(P, type)));
            case "bounce", "out_of_band", "delay" -> byClass(e, type, bounceClass);
            default -> new EventResult.Ignored(e, Optional.empty(),
                    type.equals("generation_failure") ? "a sender-side template failure: says nothing about the recipient"
                            : "SparkPost " + type + ": no delivery outcome", EventRules.ruleId(P, type));
        };
    }

    private EventResult byClass(ProviderEvent e, String type, String bounceClass) {
        if (e.recipient().isEmpty()) throw new Payload.Problem("SparkPost " + type + " event has no rcpt_to");
        boolean delay = type.equals("delay");
        String rule = EventRules.ruleId(P, type, bounceClass.isEmpty() ? "none" : bounceClass);
        Outcome soft = delay ? Outcome.DEFERRED : Outcome.BOUNCED_SOFT;
        Classification c = switch (bounceClass) {
            case "10", "30" -> rules.fixed(e, delay ? Outcome.DEFERRED : Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, rule);
            case "21" -> rules.fixed(e, soft, Reason.HOSTUNKNOWN, rule);
            case "22" -> rules.fixed(e, soft, Reason.MAILBOXFULL, rule);
            case "23" -> rules.fixed(e, soft, Reason.MESGTOOBIG, rule);
            case "24" -> rules.refined(e, soft, Reason.EXPIRED, rule);
            case "25", "26" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED, rule);
            // 50 Mail Block and 51 Spam Block (known spam source): the receiver blocks the sender.
            case "50", "51" -> rules.fixed(e, delay ? Outcome.DEFERRED : Outcome.BLOCKED_POLICY, Reason.BLOCKED, rule);
            case "52" -> rules.fixed(e, delay ? Outcome.DEFERRED : Outcome.BLOCKED_POLICY, Reason.SPAMDETECTED, rule);
            case "53" -> rules.fixed(e, delay ? Outcome.DEFERRED : Outcome.BLOCKED_POLICY, Reason.POLICYVIOLATION, rule);
            case "54" -> rules.fixed(e, delay ? Outcome.DEFERRED : Outcome.BLOCKED_POLICY, Reason.NORELAYING, rule);
            case "60", "100" -> null;
            case "80", "90" -> null;
            // 1 Undetermined (ambiguous), 20, 40, 70 and unknown classes: soft, the reply names the reason.
            default -> rules.refined(e, soft, Reason.UNDEFINED, rule);
        };
        if (c != null) return classified(e, c);
        return switch (bounceClass) {
            case "60", "100" -> new EventResult.Ignored(e, Optional.of(Reason.VACATION),
                    "an automatic reply or challenge, not a bounce: the mailbox exists", rule);
            // 90: SparkPost calls an unsubscribe reply "hard"; it is an opt-out, not a dead mailbox (ambiguous).
            default -> new EventResult.Ignored(e, Optional.empty(),
                    "a subscribe/unsubscribe request reply: record the opt-out, no delivery outcome", rule);
        };
    }

    private static EventResult classified(ProviderEvent e, Classification c) {
        return new EventResult.Classified(e, c);
    }
}
