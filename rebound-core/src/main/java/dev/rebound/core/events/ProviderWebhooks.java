package dev.rebound.core.events;

import dev.rebound.core.classify.ReplyClassifier;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Receives one provider webhook request: proves it authentic, then normalizes every event in it to an
 * {@link EventResult}. Pure apart from the injected {@link CertificateSource} and {@link ReplayStore}: the
 * {@link Clock} is passed in, nothing here does I/O. Every problem (bad signature, stale timestamp, non-JSON body,
 * missing or mistyped field) comes back as {@link WebhookResult.Refused} naming it; no exception escapes for any
 * request body or header.
 *
 * <p>Order: size cap, then authenticity (a forged request learns nothing about the payload checks), then parsing.
 * SNS and Mailgun carry their signature inside the JSON body, so for them the envelope is parsed first.
 */
public final class ProviderWebhooks {
    private final WebhookSettings settings;
    private final CertificateSource certificates;
    private final ReplayStore replays;
    private final Clock clock;
    private final List<PublicKey> sendGridKeys;
    private final SesNormalizer ses;
    private final SendGridNormalizer sendgrid;
    private final PostmarkNormalizer postmark;
    private final MailgunNormalizer mailgun;
    private final SparkPostNormalizer sparkpost;

    /** @throws IllegalArgumentException when a configured key cannot be decoded (a startup error) */
    public ProviderWebhooks(WebhookSettings settings, CertificateSource certificates, ReplayStore replays,
                            Clock clock, ReplyClassifier classifier) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.certificates = Objects.requireNonNull(certificates, "certificates");
        this.replays = Objects.requireNonNull(replays, "replays");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sendGridKeys = settings.sendgrid().map(s -> SignatureVerifiers.sendGridKeys(s.publicKeys())).orElse(List.of());
        EventRules rules = new EventRules(Objects.requireNonNull(classifier, "classifier"));
        this.ses = new SesNormalizer(rules);
        this.sendgrid = new SendGridNormalizer(rules);
        this.postmark = new PostmarkNormalizer(rules);
        this.mailgun = new MailgunNormalizer(rules);
        this.sparkpost = new SparkPostNormalizer(rules);
    }

    /**
     * One stored event normalized again, for replay: {@code raw} is {@link ProviderEvent#raw()} of an event that was
     * authentic when it was received (so no signature, time or token is checked here, and no clock is read), wrapped
     * back into the body shape its provider's normalizer reads (SES: the notification document; SendGrid: a one-event
     * array; Postmark: the event; Mailgun: {@code {"event-data": raw}}; SparkPost: {@code [{"msys": {"message_event":
     * raw}}]}, the only kind with an outcome). Returns the result for {@code recipient} (case-insensitive), or the only
     * result; empty when the JSON no longer normalizes or names another recipient. Pure.
     */
    public static Optional<EventResult> renormalize(ReplyClassifier classifier, Provider provider, String raw, String recipient) {
        EventRules rules = new EventRules(Objects.requireNonNull(classifier, "classifier"));
        List<EventResult> results;
        try {
            results = switch (provider) {
                case SES -> new SesNormalizer(rules).normalize("", Optional.empty(), raw);
                case SENDGRID -> new SendGridNormalizer(rules).normalize(("[" + raw + "]").getBytes(StandardCharsets.UTF_8));
                case POSTMARK -> new PostmarkNormalizer(rules).normalize(raw.getBytes(StandardCharsets.UTF_8), Optional.empty());
                case MAILGUN -> new MailgunNormalizer(rules).normalize(Payload.parse(("{\"event-data\":" + raw + "}").getBytes(StandardCharsets.UTF_8), "stored Mailgun event"));
                case SPARKPOST -> new SparkPostNormalizer(rules).normalize(("[{\"msys\":{\"message_event\":" + raw + "}}]").getBytes(StandardCharsets.UTF_8));
            };
        } catch (Payload.Problem e) { // the stored JSON no longer reads as its provider's event
            return Optional.empty();
        }
        if (results.size() == 1 && (recipient == null || recipient.isBlank())) return Optional.of(results.getFirst());
        for (EventResult r : results) if (r.event().recipient().equalsIgnoreCase(recipient == null ? "" : recipient.strip())) return Optional.of(r);
        return Optional.empty();
    }

    public WebhookResult receive(WebhookRequest request) {
        Provider p = request.provider();
        if (request.bodyBytes().length > settings.maxBodyBytes()) {
            return new WebhookResult.Refused(p, Verification.Problem.MALFORMED, "body of " + request.bodyBytes().length
                    + " bytes exceeds the limit of " + settings.maxBodyBytes() + " bytes");
        }
        try {
            return switch (p) {
                case SES -> receiveSes(request);
                case SENDGRID -> receiveSendGrid(request);
                case POSTMARK -> basicThen(request, settings.postmark(),
                        () -> postmark.normalize(request.bodyBytes(), request.header("X-PM-Webhook-Trace-Id")));
                case SPARKPOST -> basicThen(request, settings.sparkpost(), () -> sparkpost.normalize(request.bodyBytes()));
                case MAILGUN -> receiveMailgun(request);
            };
        } catch (Payload.Problem e) {
            return new WebhookResult.Refused(p, Verification.Problem.MALFORMED, e.getMessage());
        }
    }

    private WebhookResult receiveSes(WebhookRequest req) {
        if (settings.ses().isEmpty()) return notConfigured(req.provider(), "allowed SNS topic ARNs");
        JsonNode env = Payload.parse(req.bodyBytes(), "SNS body");
        if (!env.isObject()) throw new Payload.Problem("SNS body must be a JSON object, got " + Payload.kind(env));
        Verification v = new SnsVerifier(settings.ses().get(), certificates, clock)
                .verify(env, req.header("x-amz-sns-message-type"));
        if (v instanceof Verification.Rejected r) return refused(req.provider(), r);
        String method = ((Verification.Verified) v).method();
        String type = Payload.text(env, "Type", "body");
        String messageId = Payload.text(env, "MessageId", "body");
        String topic = Payload.text(env, "TopicArn", "body");
        var timestamp = Payload.optIsoInstant(env, "Timestamp", "body");
        switch (type) {
            case "SubscriptionConfirmation" -> {
                String url = Payload.text(env, "SubscribeURL", "body");
                Optional<String> bad = SnsVerifier.hostProblem(url, "SubscribeURL");
                if (bad.isPresent()) return new WebhookResult.Refused(req.provider(), Verification.Problem.UNAUTHENTIC, bad.get());
                ProviderEvent e = new ProviderEvent(Provider.SES, "SNS/SubscriptionConfirmation", "", "", 0, "",
                        "", timestamp, messageId, Payload.compact(env));
                return new WebhookResult.Accepted(req.provider(), method, List.of(
                        new EventResult.SubscriptionConfirmation(e, topic, url, "event.ses.sns.subscriptionconfirmation")));
            }
            case "UnsubscribeConfirmation" -> {
                ProviderEvent e = new ProviderEvent(Provider.SES, "SNS/UnsubscribeConfirmation", "", "", 0, "",
                        "", timestamp, messageId, Payload.compact(env));
                return new WebhookResult.Accepted(req.provider(), method, List.of(new EventResult.Ignored(e,
                        Optional.empty(), "the subscription to " + topic + " was removed; no more events will come",
                        "event.ses.sns.unsubscribeconfirmation")));
            }
            default -> {
                return new WebhookResult.Accepted(req.provider(), method,
                        ses.normalize(messageId, timestamp, Payload.string(env, "Message", "body")));
            }
        }
    }

    private WebhookResult receiveSendGrid(WebhookRequest req) {
        if (settings.sendgrid().isEmpty()) return notConfigured(req.provider(), "the Signed Event Webhook public key");
        Verification v = SignatureVerifiers.sendGrid(req, sendGridKeys, settings.sendgrid().get().tolerance(), clock);
        if (v instanceof Verification.Rejected r) return refused(req.provider(), r);
        return new WebhookResult.Accepted(req.provider(), ((Verification.Verified) v).method(),
                sendgrid.normalize(req.bodyBytes()));
    }

    private WebhookResult receiveMailgun(WebhookRequest req) {
        if (settings.mailgun().isEmpty()) return notConfigured(req.provider(), "the HTTP webhook signing key");
        JsonNode root = Payload.parse(req.bodyBytes(), "Mailgun body");
        if (!root.isObject()) throw new Payload.Problem("Mailgun body must be a JSON object, got " + Payload.kind(root));
        Verification v = SignatureVerifiers.mailgun(root, settings.mailgun().get(), clock);
        if (v instanceof Verification.Rejected r) return refused(req.provider(), r);
        // The events are read before the token is spent: junk in event-data is refused (400) and the provider's
        // corrected retry with the same token is not taken for a replay.
        List<EventResult> events = mailgun.normalize(root);
        Optional<Verification.Rejected> replayed = SignatureVerifiers.mailgunFirstUse(root, settings.mailgun().get(), replays);
        if (replayed.isPresent()) return refused(req.provider(), replayed.get());
        return new WebhookResult.Accepted(req.provider(), ((Verification.Verified) v).method(), events);
    }

    private WebhookResult basicThen(WebhookRequest req, Optional<WebhookSettings.BasicAuth> auth,
                                    java.util.function.Supplier<List<EventResult>> normalize) {
        if (auth.isEmpty()) return notConfigured(req.provider(), "HTTP Basic credentials");
        Verification v = SignatureVerifiers.basic(req, auth.get());
        if (v instanceof Verification.Rejected r) return refused(req.provider(), r);
        return new WebhookResult.Accepted(req.provider(), ((Verification.Verified) v).method(), normalize.get());
    }

    private static WebhookResult refused(Provider p, Verification.Rejected r) {
        return new WebhookResult.Refused(p, r.problem(), r.reason());
    }

    private static WebhookResult notConfigured(Provider p, String what) {
        return new WebhookResult.Refused(p, Verification.Problem.NOT_CONFIGURED, "webhooks from " + p.id()
                + " are not configured: set " + what + " in Rebound's provider settings");
    }
}
