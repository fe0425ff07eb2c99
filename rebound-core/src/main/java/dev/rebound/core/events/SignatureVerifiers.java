package dev.rebound.core.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

/**
 * The non-SNS authenticity checks, JDK crypto only:
 * <ul>
 *   <li>SendGrid Signed Event Webhook: ECDSA P-256 / SHA-256 (SHA256withECDSA), base64 ASN.1 DER signature in
 *       {@code X-Twilio-Email-Event-Webhook-Signature} over the bytes of
 *       {@code X-Twilio-Email-Event-Webhook-Timestamp} followed by the raw body; key = base64 DER
 *       SubjectPublicKeyInfo as SendGrid shows it.</li>
 *   <li>Mailgun: hex HMAC-SHA256 (RFC 2104) keyed with the webhook signing key over {@code timestamp + token}
 *       (no separator), compared in constant time; the 50-character token is single-use.</li>
 *   <li>Postmark / SparkPost: HTTP Basic credentials (RFC 7617), compared in constant time.</li>
 * </ul>
 * Each timestamped scheme refuses times outside the configured tolerance, measured on the injected clock.
 */
final class SignatureVerifiers {
    static final String SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";
    static final String SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";

    private SignatureVerifiers() {}

    /** Decodes SendGrid's base64 DER public keys; a configuration error is thrown at startup, with the key quoted. */
    static List<PublicKey> sendGridKeys(List<String> base64) {
        List<PublicKey> keys = new ArrayList<>();
        for (String k : base64) {
            try {
                keys.add(KeyFactory.getInstance("EC").generatePublic(
                        new X509EncodedKeySpec(Base64.getDecoder().decode(k.trim()))));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("SendGrid public key " + Payload.quote(k)
                        + " is not a base64 DER EC public key (copy it from Mail Settings > Signed Event Webhook)", e);
            }
        }
        return keys;
    }

    static Verification sendGrid(WebhookRequest req, List<PublicKey> keys, Duration tolerance, Clock clock) {
        Optional<String> sig = req.header(SENDGRID_SIGNATURE);
        Optional<String> ts = req.header(SENDGRID_TIMESTAMP);
        if (sig.isEmpty() || ts.isEmpty()) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "missing header "
                    + (sig.isEmpty() ? SENDGRID_SIGNATURE : SENDGRID_TIMESTAMP)
                    + "; enable the Signed Event Webhook in SendGrid's Mail Settings");
        }
        Instant when;
        try {
            when = Instant.ofEpochSecond(Long.parseLong(ts.get().trim()));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "header " + SENDGRID_TIMESTAMP
                    + " is not Unix seconds: " + Payload.quote(ts.get()));
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(sig.get().trim());
        } catch (IllegalArgumentException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "header " + SENDGRID_SIGNATURE
                    + " is not base64: " + Payload.quote(sig.get()));
        }
        boolean ok = false;
        for (PublicKey key : keys) {
            try {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initVerify(key);
                s.update(ts.get().getBytes(StandardCharsets.UTF_8));
                s.update(req.bodyBytes());
                if (s.verify(signature)) {
                    ok = true;
                    break;
                }
            } catch (GeneralSecurityException e) {
                // a malformed DER signature: not valid under this key; try the next, then reject
            }
        }
        if (!ok) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "SendGrid signature does not verify with "
                    + "any configured public key over timestamp " + Payload.quote(ts.get())
                    + " + body: the body or timestamp was changed, or the key is not this webhook's");
        }
        return window(when, tolerance, clock, "SendGrid signed timestamp")
                .<Verification>map(r -> r).orElse(new Verification.Verified("sendgrid-ecdsa"));
    }

    /**
     * Mailgun's {@code signature} object inside the parsed body: the HMAC and the time window. The signature does
     * not cover {@code event-data}: TLS plus the single-use token are what protect it; the token is spent by
     * {@link #mailgunFirstUse} only after the events were read, so a signed request with junk events is refused
     * without burning its token.
     */
    static Verification mailgun(JsonNode root, WebhookSettings.Mailgun settings, Clock clock) {
        JsonNode s = Payload.object(root, "signature", "body");
        String timestamp = Payload.text(s, "timestamp", "body.signature");
        String token = Payload.text(s, "token", "body.signature");
        String hex = Payload.text(s, "signature", "body.signature");
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex.trim());
        } catch (IllegalArgumentException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "body.signature.signature is not hex: "
                    + Payload.quote(hex));
        }
        boolean ok = false;
        for (String key : settings.signingKeys()) {
            if (MessageDigest.isEqual(hmacSha256(key, timestamp + token), given)) ok = true;
        }
        if (!ok) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "Mailgun signature does not match "
                    + "HMAC-SHA256(signing key, timestamp + token) for token " + Payload.quote(token)
                    + ": wrong signing key configured, or a forged request");
        }
        Instant when = Payload.epochSeconds(timestamp, "body.signature.timestamp");
        Optional<Verification.Rejected> stale = window(when, settings.tolerance(), clock, "Mailgun signature timestamp");
        if (stale.isPresent()) return stale.get();
        return new Verification.Verified("mailgun-hmac-sha256");
    }

    /** Spends the verified request's single-use token; a token seen before is a replay. */
    static Optional<Verification.Rejected> mailgunFirstUse(JsonNode root, WebhookSettings.Mailgun settings, ReplayStore replays) {
        JsonNode s = Payload.object(root, "signature", "body");
        String token = Payload.text(s, "token", "body.signature");
        Instant when = Payload.epochSeconds(Payload.text(s, "timestamp", "body.signature"), "body.signature.timestamp");
        if (!replays.firstUse(Provider.MAILGUN, token, when.plus(settings.tolerance()))) {
            return Optional.of(Verification.rejected(Verification.Problem.REPLAYED, "Mailgun token " + Payload.quote(token)
                    + " was already used: a replayed request"));
        }
        return Optional.empty();
    }

    static Verification basic(WebhookRequest req, WebhookSettings.BasicAuth expected) {
        String name = req.provider().id();
        Optional<String> h = req.header("Authorization");
        if (h.isEmpty()) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "missing Authorization header; configure "
                    + "HTTP Basic credentials on the " + name + " webhook (user:password@ in the URL or its auth settings)");
        }
        String v = h.get().trim();
        if (v.length() < 6 || !v.substring(0, 6).equalsIgnoreCase("Basic ")) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "Authorization header is not HTTP Basic "
                    + "(starts with " + Payload.quote(v.substring(0, Math.min(v.length(), 6))) + ")");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(v.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "Basic credentials are not base64");
        }
        byte[] want = (expected.user() + ":" + expected.password()).getBytes(StandardCharsets.UTF_8);
        // Compare digests: constant time and independent of the lengths.
        if (!MessageDigest.isEqual(sha256(given), sha256(want))) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC, "wrong Basic credentials for the "
                    + name + " webhook");
        }
        return new Verification.Verified(name + "-basic-auth");
    }

    static Optional<Verification.Rejected> window(Instant when, Duration tolerance, Clock clock, String what) {
        Instant now = clock.instant();
        if (when.isBefore(now.minus(tolerance)) || when.isAfter(now.plus(tolerance))) {
            return Optional.of(new Verification.Rejected(Verification.Problem.STALE, what + " " + when
                    + " is more than " + tolerance + " away from now (" + now + "): a replay, or a clock out of sync"));
        }
        return Optional.empty();
    }

    static byte[] hmacSha256(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
