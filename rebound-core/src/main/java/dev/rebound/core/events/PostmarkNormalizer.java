package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Postmark webhooks: one JSON object per request, {@code RecordType} Bounce, SpamComplaint, Delivery,
 * SubscriptionChange, Open, Click. Bounce {@code Type}/{@code TypeCode} from Postmark's bounce-type table; mapping
 * per shared notes provider-events.md §6.3; {@code Details} (the remote diagnostic) refines coarse types.
 */
final class PostmarkNormalizer {
    private static final Provider P = Provider.POSTMARK;
    private final EventRules rules;

    PostmarkNormalizer(EventRules rules) {
        this.rules = rules;
    }

    List<EventResult> normalize(byte[] body, Optional<String> traceId) {
        JsonNode ev = Payload.parse(body, "Postmark body");
        if (!ev.isObject()) throw new Payload.Problem("Postmark body must be a JSON object, got " + Payload.kind(ev));
        String record = Payload.text(ev, "RecordType", "body");
        return List.of(switch (record) {
            case "Bounce" -> bounce(ev, traceId);
            case "SpamComplaint" -> {
                ProviderEvent e = event(ev, "SpamComplaint", Payload.text(ev, "Email", "body"), "BouncedAt", traceId);
                yield new EventResult.Classified(e, rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK,
                        EventRules.ruleId(P, "spamcomplaint")));
            }
            case "Delivery" -> {
                ProviderEvent e = event(ev, "Delivery", Payload.text(ev, "Recipient", "body"), "DeliveredAt", traceId);
                yield new EventResult.Classified(e, rules.fixed(e, Outcome.DELIVERED, Reason.DELIVERED,
                        EventRules.ruleId(P, "delivery")));
            }
            case "SubscriptionChange" -> {
                String why = Payload.optString(ev, "SuppressionReason", "body");
                ProviderEvent e = event(ev, "SubscriptionChange" + (why.isEmpty() ? "" : "/" + why),
                        Payload.text(ev, "Recipient", "body"), "ChangedAt", traceId);
                boolean suppress = Payload.optBoolean(ev, "SuppressSending", "body");
                yield new EventResult.Ignored(e, suppress ? Optional.of(Reason.SUPPRESSED) : Optional.empty(),
                        "a state echo: the Bounce or SpamComplaint record that caused it is the evidence",
                        EventRules.ruleId(P, "subscriptionchange"));
            }
            default -> {
                String to = Payload.optString(ev, "Recipient", "body");
                ProviderEvent e = event(ev, record, to.isEmpty() ? Payload.optString(ev, "Email", "body") : to,
                        "ReceivedAt", traceId);
                yield new EventResult.Ignored(e, Optional.empty(), "Postmark " + record + ": no delivery outcome",
                        EventRules.ruleId(P, record));
            }
        });
    }

    private ProviderEvent event(JsonNode ev, String label, String recipient, String timeField, Optional<String> traceId) {
        Optional<Instant> t = Payload.optIsoInstant(ev, timeField, "body");
        String id = Payload.optScalar(ev, "ID", "body");
        String messageId = Payload.optString(ev, "MessageID", "body");
        // Bounce IDs are unique; other records have none: Postmark's retry-stable trace header, else a composite.
        String eventId = !id.isEmpty() ? id
                : traceId.orElse(label + ":" + messageId + ":" + recipient + ":" + t.map(Instant::toString).orElse(""));
        java.util.Map<String, String> meta = Payload.scalars(ev, "Metadata");
        String tag = ev.get("Tag") instanceof JsonNode tg && tg.isString() ? tg.stringValue() : "";
        if (!tag.isEmpty()) meta.putIfAbsent("Tag", tag);
        return new ProviderEvent(P, label, recipient, messageId, 0, "", Payload.optString(ev, "Details", "body"),
                t, eventId, Payload.compact(ev), "", meta);
    }

    private EventResult bounce(JsonNode ev, Optional<String> traceId) {
        String type = Payload.text(ev, "Type", "body");
        String code = Payload.optScalar(ev, "TypeCode", "body");
        ProviderEvent e = event(ev, "Bounce/" + type + (code.isEmpty() ? "" : "(" + code + ")"),
                Payload.text(ev, "Email", "body"), "BouncedAt", traceId);
        String rule = EventRules.ruleId(P, "bounce", type);
        Classification c = switch (type) {
            case "HardBounce" -> rules.refined(e, Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, rule);
            case "SoftBounce" -> rules.refined(e, Outcome.BOUNCED_SOFT, Reason.UNDEFINED, rule);
            // Ambiguous: "Message delayed" — a final event may follow.
            case "Transient" -> rules.refined(e, Outcome.DEFERRED, Reason.UNDEFINED, rule);
            // Ambiguous: Postmark says temporary, but a domain without MX stays bad: final soft, escalate on repeats.
            case "DnsError" -> rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.HOSTUNKNOWN, rule);
            // Ambiguous: a filter verdict, not a user's complaint.
            case "SpamNotification" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SPAMDETECTED, rule);
            case "Blocked" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.BLOCKED, rule);
            case "DMARCPolicy" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.AUTHFAILURE, rule);
            case "VirusNotification" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.VIRUSDETECTED, rule);
            // Ambiguous: better caught at intake; the address can never work.
            case "BadEmailAddress" -> rules.fixed(e, Outcome.BOUNCED_HARD, Reason.SYNTAXERROR, rule);
            case "ManuallyDeactivated", "Unconfirmed" -> rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED, rule);
            case "SpamComplaint" -> rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK, rule);
            // Ambiguous: never suppress on it.
            case "Unknown" -> rules.refined(e, Outcome.BOUNCED_SOFT, Reason.UNDEFINED, rule);
            default -> null;
        };
        if (c != null) return new EventResult.Classified(e, c);
        return switch (type) {
            case "AutoResponder", "ChallengeVerification" -> new EventResult.Ignored(e, Optional.of(Reason.VACATION),
                    "an automatic reply, not a bounce: the mailbox exists", rule);
            case "SMTPApiError", "TemplateRenderingFailed" -> new EventResult.Ignored(e, Optional.empty(),
                    "a sender-side failure: says nothing about the recipient", rule);
            case "Unsubscribe", "Subscribe", "AddressChange", "OpenRelayTest", "InboundError" ->
                    new EventResult.Ignored(e, Optional.empty(), "Postmark " + type + ": no delivery outcome", rule);
            default -> new EventResult.Ignored(e, Optional.empty(),
                    "unknown Postmark bounce type \"" + type + "\": kept as evidence, no outcome", rule);
        };
    }
}
