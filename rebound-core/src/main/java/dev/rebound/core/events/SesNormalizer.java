package dev.rebound.core.events;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Amazon SES notification documents (the {@code Message} string of an SNS Notification), both producers:
 * identity feedback notifications ({@code notificationType}) and configuration-set event publishing
 * ({@code eventType}). One result per recipient; mapping per shared notes provider-events.md §6.1 (SES developer
 * guide "Contents of notifications" / "Event publishing contents").
 */
final class SesNormalizer {
    private static final Provider P = Provider.SES;
    private final EventRules rules;

    SesNormalizer(EventRules rules) {
        this.rules = rules;
    }

    /**
     * @param snsMessageId the SNS MessageId (dedup key; the same on SNS retries)
     * @param snsTimestamp the SNS publish time, used when the document has no time of its own
     * @param message      the SES JSON document as a string
     */
    List<EventResult> normalize(String snsMessageId, Optional<Instant> snsTimestamp, String message) {
        JsonNode doc = Payload.parse(message, "SNS Message (the SES notification document)");
        if (!doc.isObject()) throw new Payload.Problem("SNS Message must be a JSON object, got " + Payload.kind(doc));
        String type = Payload.optString(doc, "eventType", "Message");
        if (type.isEmpty()) type = Payload.optString(doc, "notificationType", "Message");
        if (type.isEmpty()) {
            throw new Payload.Problem("SNS Message has neither eventType nor notificationType: not an SES notification");
        }
        JsonNode mail = Payload.optObject(doc, "mail", "Message").orElse(null);
        String messageId = mail == null ? "" : Payload.optString(mail, "messageId", "Message.mail");
        Optional<Instant> mailTime = mail == null ? Optional.empty()
                : Payload.optIsoInstant(mail, "timestamp", "Message.mail");
        String headerId = "";
        if (mail != null && mail.get("commonHeaders") instanceof JsonNode h && h.isObject()
                && h.get("messageId") instanceof JsonNode id && id.isString()) {
            headerId = id.stringValue();
        }
        Ctx ctx = new Ctx(snsMessageId, messageId, Payload.compact(doc), snsTimestamp, mailTime, headerId,
                Payload.scalars(mail, "tags"));
        return switch (type) {
            case "Bounce" -> bounce(ctx, Payload.object(doc, "bounce", "Message"));
            case "Complaint" -> complaint(ctx, Payload.object(doc, "complaint", "Message"));
            case "Delivery" -> delivery(ctx, Payload.object(doc, "delivery", "Message"));
            case "DeliveryDelay" -> delay(ctx, Payload.object(doc, "deliveryDelay", "Message"));
            case "Reject" -> reject(ctx, doc, mail);
            case "Send", "Open", "Click", "Subscription", "Rendering Failure" ->
                    ignoredPerDestination(ctx, mail, type, type.equals("Rendering Failure")
                            ? "a sender-side template failure: says nothing about the recipient"
                            : "an SES " + type + " event: no delivery outcome");
            default -> ignoredPerDestination(ctx, mail, type,
                    "unknown SES event type \"" + type + "\": kept as evidence, no outcome");
        };
    }

    private record Ctx(String snsMessageId, String messageId, String raw, Optional<Instant> snsTime,
                       Optional<Instant> mailTime, String headerMessageId, java.util.Map<String, String> tags) {
        ProviderEvent event(String type, String recipient, String status, String diagnostic, Optional<Instant> t) {
            Optional<Instant> when = t.or(() -> snsTime).or(() -> mailTime);
            return new ProviderEvent(P, type, recipient, messageId, 0, status, diagnostic, when, snsMessageId, raw,
                    headerMessageId, tags);
        }
    }

    private List<EventResult> bounce(Ctx ctx, JsonNode b) {
        String bounceType = Payload.text(b, "bounceType", "Message.bounce");
        String subType = Payload.optString(b, "bounceSubType", "Message.bounce");
        Optional<Instant> t = Payload.optIsoInstant(b, "timestamp", "Message.bounce");
        String label = "Bounce/" + bounceType + "/" + subType;
        String rule = EventRules.ruleId(P, "bounce", bounceType, subType);
        List<EventResult> out = new ArrayList<>();
        JsonNode recipients = Payload.array(b, "bouncedRecipients", "Message.bounce");
        int i = 0;
        for (JsonNode r : recipients) {
            String path = "Message.bounce.bouncedRecipients[" + i++ + "]";
            if (!r.isObject()) throw new Payload.Problem(path + " must be an object, got " + Payload.kind(r));
            String address = Payload.text(r, "emailAddress", path);
            String action = Payload.optString(r, "action", path);
            ProviderEvent e = ctx.event(label, address, Payload.optString(r, "status", path),
                    Payload.optString(r, "diagnosticCode", path), t);
            out.add(bounceRecipient(e, bounceType, subType, action, rule));
        }
        return out;
    }

    private EventResult bounceRecipient(ProviderEvent e, String type, String sub, String action, String rule) {
        if (action.equalsIgnoreCase("delayed")) {
            // The SES guide's own example: a recipient with action "delayed" inside a Bounce. Not final.
            return new EventResult.Classified(e, rules.refined(e, Outcome.DEFERRED, Reason.UNDEFINED, rule + ".delayed"));
        }
        return switch (type) {
            case "Permanent" -> switch (sub) {
                case "NoEmail" -> classified(e, rules.fixed(e, Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, rule));
                // Ambiguous (notes 6.7 #2): nothing was attempted; SES's list says the address bounced before.
                // Hard for suppression, reason "suppressed" keeps it out of bounce-rate and escalation counts.
                case "Suppressed", "OnAccountSuppressionList" ->
                        classified(e, rules.fixed(e, Outcome.BOUNCED_HARD, Reason.SUPPRESSED, rule));
                default -> {
                    // General (and any future subtype): coarse. The reply refines the reason; a policy status
                    // (5.7.x) hiding under Permanent/General is a block, not a dead mailbox.
                    var c = rules.refined(e, Outcome.BOUNCED_HARD, Reason.UNDEFINED, rule);
                    yield classified(e, c.reason().family() == Outcome.BLOCKED_POLICY
                            ? new dev.rebound.core.classify.Classification(Outcome.BLOCKED_POLICY, c.reason(),
                                    c.ruleId(), c.evidence())
                            : c);
                }
            };
            case "Transient" -> switch (sub) {
                case "MailboxFull" -> classified(e, rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, rule));
                case "MessageTooLarge" -> classified(e, rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.MESGTOOBIG, rule));
                case "CustomTimeoutExceeded" -> classified(e, rules.fixed(e, Outcome.BOUNCED_SOFT, Reason.EXPIRED, rule));
                // Ambiguous (notes 6.7 #3): SES calls content refusals Transient; they are the receiver's policy.
                case "ContentRejected" -> classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.POLICYVIOLATION, rule));
                case "AttachmentRejected" -> {
                    var c = rules.refined(e, Outcome.BLOCKED_POLICY, Reason.POLICYVIOLATION, rule);
                    yield classified(e, c.reason() == Reason.VIRUSDETECTED ? c
                            : rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.POLICYVIOLATION, rule));
                }
                default -> {
                    // General: final soft failure; SES also files out-of-office replies here (notes 6.7 #4).
                    var c = rules.refined(e, Outcome.BOUNCED_SOFT, Reason.UNDEFINED, rule);
                    if (c.reason() == Reason.VACATION) {
                        yield new EventResult.Ignored(e, Optional.of(Reason.VACATION),
                                "an automatic reply filed as a Transient bounce: the mailbox exists", c.ruleId());
                    }
                    yield classified(e, c);
                }
            };
            // Undetermined: never suppress on it alone (notes 6.7 #5).
            default -> classified(e, rules.refined(e, Outcome.BOUNCED_SOFT, Reason.UNDEFINED, rule));
        };
    }

    private List<EventResult> complaint(Ctx ctx, JsonNode c) {
        String feedback = Payload.optString(c, "complaintFeedbackType", "Message.complaint");
        String sub = Payload.optString(c, "complaintSubType", "Message.complaint");
        Optional<Instant> t = Payload.optIsoInstant(c, "timestamp", "Message.complaint");
        String label = "Complaint" + (feedback.isEmpty() ? "" : "/" + feedback) + (sub.isEmpty() ? "" : "/" + sub);
        List<EventResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : Payload.array(c, "complainedRecipients", "Message.complaint")) {
            String path = "Message.complaint.complainedRecipients[" + i++ + "]";
            if (!r.isObject()) throw new Payload.Problem(path + " must be an object, got " + Payload.kind(r));
            ProviderEvent e = ctx.event(label, Payload.text(r, "emailAddress", path), "", "", t);
            if (sub.equals("OnAccountSuppressionList")) {
                // SES did not send: the address is on the account's list already (ambiguous, notes 6.7 #7).
                out.add(classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.SUPPRESSED,
                        EventRules.ruleId(P, "complaint", "onaccountsuppressionlist"))));
            } else if (feedback.equals("not-spam")) {
                out.add(new EventResult.Ignored(e, Optional.of(Reason.FEEDBACK),
                        "a not-spam feedback report corrects an earlier complaint; it is not a new one",
                        EventRules.ruleId(P, "complaint", "notspam")));
            } else {
                out.add(classified(e, rules.fixed(e, Outcome.COMPLAINT, Reason.FEEDBACK,
                        EventRules.ruleId(P, "complaint"))));
            }
        }
        return out;
    }

    private List<EventResult> delivery(Ctx ctx, JsonNode d) {
        Optional<Instant> t = Payload.optIsoInstant(d, "timestamp", "Message.delivery");
        String smtp = Payload.optString(d, "smtpResponse", "Message.delivery");
        List<EventResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : Payload.array(d, "recipients", "Message.delivery")) {
            String path = "Message.delivery.recipients[" + i++ + "]";
            if (!r.isString()) throw new Payload.Problem(path + " must be a string, got " + Payload.kind(r));
            ProviderEvent e = ctx.event("Delivery", r.stringValue(), "", smtp, t);
            out.add(classified(e, rules.fixed(e, Outcome.DELIVERED, Reason.DELIVERED, EventRules.ruleId(P, "delivery"))));
        }
        return out;
    }

    private List<EventResult> delay(Ctx ctx, JsonNode d) {
        String delayType = Payload.optString(d, "delayType", "Message.deliveryDelay");
        Optional<Instant> t = Payload.optIsoInstant(d, "timestamp", "Message.deliveryDelay");
        String rule = EventRules.ruleId(P, "deliverydelay", delayType);
        List<EventResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : Payload.array(d, "delayedRecipients", "Message.deliveryDelay")) {
            String path = "Message.deliveryDelay.delayedRecipients[" + i++ + "]";
            if (!r.isObject()) throw new Payload.Problem(path + " must be an object, got " + Payload.kind(r));
            ProviderEvent e = ctx.event("DeliveryDelay/" + delayType, Payload.text(r, "emailAddress", path),
                    Payload.optString(r, "status", path), Payload.optString(r, "diagnosticCode", path), t);
            Reason named = switch (delayType) {
                case "MailboxFull" -> Reason.MAILBOXFULL;
                case "TransientCommunicationFailure" -> Reason.NETWORKERROR;
                case "RecipientServerError", "InternalFailure" -> Reason.SYSTEMERROR;
                case "IPFailure" -> Reason.BADREPUTATION;
                case "SpamDetected" -> Reason.SPAMDETECTED;
                case "SendingDeferral" -> Reason.SPEEDING;
                case "BYOIPHostNameLookupUnavailable" -> Reason.REQUIREPTR;
                default -> null; // General, Undetermined, future types: from the reply
            };
            out.add(classified(e, named != null ? rules.fixed(e, Outcome.DEFERRED, named, rule)
                    : rules.refined(e, Outcome.DEFERRED, Reason.UNDEFINED, rule)));
        }
        return out;
    }

    private List<EventResult> reject(Ctx ctx, JsonNode doc, JsonNode mail) {
        String reason = Payload.optObject(doc, "reject", "Message")
                .map(r -> Payload.optString(r, "reason", "Message.reject")).orElse("");
        List<EventResult> out = new ArrayList<>();
        for (String to : destinations(mail)) {
            ProviderEvent e = ctx.event("Reject" + (reason.isEmpty() ? "" : "/" + reason), to, "", reason, Optional.empty());
            // SES refused to send (only documented reason: "Bad content", a virus). Sender-side: never suppress.
            out.add(classified(e, rules.fixed(e, Outcome.BLOCKED_POLICY, Reason.VIRUSDETECTED, EventRules.ruleId(P, "reject"))));
        }
        return out;
    }

    private List<EventResult> ignoredPerDestination(Ctx ctx, JsonNode mail, String type, String why) {
        List<String> to = destinations(mail);
        if (to.isEmpty()) to = List.of("");
        List<EventResult> out = new ArrayList<>();
        for (String r : to) {
            out.add(new EventResult.Ignored(ctx.event(type, r, "", "", Optional.empty()), Optional.empty(), why,
                    EventRules.ruleId(P, type)));
        }
        return out;
    }

    private static List<String> destinations(JsonNode mail) {
        List<String> out = new ArrayList<>();
        if (mail == null) return out;
        JsonNode d = mail.get("destination");
        if (d == null || d.isNull()) return out;
        if (!d.isArray()) throw Payload.wrongType("Message.mail", "destination", "an array", d);
        for (JsonNode n : d) {
            if (!n.isString()) throw new Payload.Problem("Message.mail.destination entries must be strings, got " + Payload.kind(n));
            out.add(n.stringValue());
        }
        return out;
    }

    private static EventResult classified(ProviderEvent e, dev.rebound.core.classify.Classification c) {
        return new EventResult.Classified(e, c);
    }
}
