package dev.rebound.core.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Amazon SNS message signature verification (SNS developer guide, "Verifying the signatures of Amazon SNS
 * messages"): the string to sign is {@code key\nvalue\n} for a fixed list of keys in byte order (Notification:
 * Message, MessageId, Subject if present, Timestamp, TopicArn, Type; Subscription/UnsubscribeConfirmation:
 * Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type), values JSON-decoded. SignatureVersion 1 is
 * SHA1withRSA, 2 is SHA256withRSA, with the public key of the certificate at {@code SigningCertURL}.
 *
 * <p>A valid signature proves only that some AWS topic sent the message, so the TopicArn must be allow-listed;
 * the certificate URL must be https on {@code sns.<region>.amazonaws.com(.cn)} with path
 * {@code /SimpleNotificationService-<hex>.pem} (as the AWS SDK validators check) before the certificate source
 * is even asked.
 */
final class SnsVerifier {
    static final Pattern SNS_HOST = Pattern.compile("^sns\\.[a-z0-9-]{3,}\\.amazonaws\\.com(\\.cn)?$");
    private static final Pattern CERT_PATH = Pattern.compile("^/SimpleNotificationService-[0-9a-f]{16,64}\\.pem$");
    private static final List<String> NOTIFICATION_KEYS =
            List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type");
    private static final List<String> CONFIRMATION_KEYS =
            List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");

    private final WebhookSettings.Sns settings;
    private final CertificateSource certificates;
    private final Clock clock;

    SnsVerifier(WebhookSettings.Sns settings, CertificateSource certificates, Clock clock) {
        this.settings = settings;
        this.certificates = certificates;
        this.clock = clock;
    }

    /** Verifies a parsed SNS envelope; malformed fields are reported as {@link Payload.Problem}. */
    Verification verify(JsonNode env, Optional<String> messageTypeHeader) {
        if (env.get("Signature") == null && env.get("Type") == null) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "the body has no SNS envelope (no Type, "
                    + "no Signature): raw message delivery seems to be on; turn it off on the SNS subscription so "
                    + "Rebound can verify SNS's signature");
        }
        String type = Payload.text(env, "Type", "body");
        if (messageTypeHeader.isPresent() && !messageTypeHeader.get().equals(type)) {
            return Verification.rejected(Verification.Problem.MALFORMED, "header x-amz-sns-message-type "
                    + Payload.quote(messageTypeHeader.get()) + " does not match the body's Type " + Payload.quote(type));
        }
        List<String> keys = switch (type) {
            case "Notification" -> NOTIFICATION_KEYS;
            case "SubscriptionConfirmation", "UnsubscribeConfirmation" -> CONFIRMATION_KEYS;
            default -> null;
        };
        if (keys == null) {
            return Verification.rejected(Verification.Problem.MALFORMED, "unknown SNS message Type " + Payload.quote(type)
                    + "; expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation");
        }
        String topic = Payload.text(env, "TopicArn", "body");
        if (!settings.allowedTopicArns().contains(topic)) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "SNS topic " + Payload.quote(topic)
                    + " is not allow-listed; add it to the SES settings' allowed topic ARNs if it is yours");
        }
        String version = Payload.text(env, "SignatureVersion", "body");
        String algorithm = switch (version) {
            case "1" -> "SHA1withRSA";
            case "2" -> "SHA256withRSA";
            default -> null;
        };
        if (algorithm == null) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "unsupported SNS SignatureVersion "
                    + Payload.quote(version) + "; expected 1 (SHA1withRSA) or 2 (SHA256withRSA)");
        }
        String certUrl = Payload.text(env, "SigningCertURL", "body");
        Optional<String> urlProblem = certUrlProblem(certUrl);
        if (urlProblem.isPresent()) return Verification.rejected(Verification.Problem.UNAUTHENTIC, urlProblem.get());
        byte[] signature;
        String sig = Payload.text(env, "Signature", "body");
        try {
            signature = Base64.getDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "SNS Signature is not base64: " + Payload.quote(sig));
        }
        StringBuilder toSign = new StringBuilder();
        for (String k : keys) {
            JsonNode v = env.get(k);
            if (v == null || v.isNull()) {
                if (k.equals("Subject")) continue;
                throw Payload.missing("body", k);
            }
            if (!v.isString()) throw Payload.wrongType("body", k, "a string", v);
            toSign.append(k).append('\n').append(v.stringValue()).append('\n');
        }
        Optional<X509Certificate> cert = certificates.certificate(certUrl);
        if (cert.isEmpty()) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "no SNS signing certificate available for "
                    + Payload.quote(certUrl) + "; the certificate source could not supply it");
        }
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(cert.get().getPublicKey());
            s.update(toSign.toString().getBytes(StandardCharsets.UTF_8));
            if (!s.verify(signature)) {
                return Verification.rejected(Verification.Problem.UNAUTHENTIC, "SNS signature (version " + version
                        + ") does not match message " + Payload.quote(Payload.optString(env, "MessageId", "body"))
                        + ": the body was changed or not signed by SNS");
            }
        } catch (GeneralSecurityException e) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "SNS signature could not be checked ("
                    + e.getMessage() + ")");
        }
        Instant ts = Payload.optIsoInstant(env, "Timestamp", "body").orElseThrow(() -> Payload.missing("body", "Timestamp"));
        Instant now = clock.instant();
        if (ts.isBefore(now.minus(settings.maxAge())) || ts.isAfter(now.plus(settings.maxFutureSkew()))) {
            return Verification.rejected(Verification.Problem.STALE, "SNS Timestamp " + ts + " is outside the accepted "
                    + "window (" + settings.maxAge() + " back, " + settings.maxFutureSkew() + " ahead of " + now
                    + "): a replay, or a clock out of sync");
        }
        return new Verification.Verified("sns-signature-v" + version);
    }

    /** Why an SNS certificate or subscribe URL is not acceptable, or empty. No java.net here: a strict prefix parse. */
    static Optional<String> certUrlProblem(String url) {
        Optional<String> host = hostProblem(url, "SigningCertURL");
        if (host.isPresent()) return host;
        String rest = url.substring("https://".length());
        String path = rest.substring(rest.indexOf('/'));
        if (!CERT_PATH.matcher(path).matches()) {
            return Optional.of("SigningCertURL path " + Payload.quote(path)
                    + " is not /SimpleNotificationService-<hex>.pem; refusing to fetch a certificate from it");
        }
        return Optional.empty();
    }

    /** The URL must be {@code https://sns.<region>.amazonaws.com[.cn]/...}, no user info, no port. */
    static Optional<String> hostProblem(String url, String what) {
        if (!url.startsWith("https://")) {
            return Optional.of(what + " " + Payload.quote(url) + " is not an https URL");
        }
        String rest = url.substring("https://".length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (slash < 0 || !SNS_HOST.matcher(authority).matches()) {
            return Optional.of(what + " host " + Payload.quote(authority)
                    + " is not sns.<region>.amazonaws.com; refusing a URL outside SNS");
        }
        return Optional.empty();
    }
}
