package dev.rebound.core.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Standard Webhooks v1.0.0 signatures (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md),
 * the scheme for Rebound's own outbound webhooks: {@code webhook-signature: v1,<base64 HMAC-SHA256>} over
 * {@code msg_id + "." + timestamp + "." + payload}, keyed with the base64 bytes after {@code whsec_}. Several
 * space-separated signatures allow secret rotation; a verifier accepts any, compares in constant time and refuses
 * timestamps more than the tolerance (the reference libraries: 5 minutes) away from its clock.
 */
public final class StandardWebhookSignature {
    private final byte[] key;
    /** Keyed once, never used itself: each signature works on a clone (a Mac is not thread-safe). */
    private final javax.crypto.Mac keyedMac;

    /** @param secret {@code whsec_} + base64 of 24–64 random bytes (the prefix is optional) */
    public StandardWebhookSignature(String secret) {
        Objects.requireNonNull(secret, "secret");
        String b64 = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        try {
            this.key = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook secret is not whsec_ + base64", e);
        }
        if (key.length == 0) throw new IllegalArgumentException("webhook secret is empty");
        this.keyedMac = newMac(key);
    }

    /** The {@code webhook-signature} value for one attempt, e.g. {@code v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=}. */
    public String sign(String msgId, long timestamp, byte[] payload) {
        if (msgId.indexOf('.') >= 0) throw new IllegalArgumentException("webhook-id must not contain '.': " + msgId);
        return "v1," + Base64.getEncoder().encodeToString(mac(msgId, timestamp, payload));
    }

    /** Checks the three {@code webhook-*} headers against the payload bytes. */
    public Verification verify(String msgId, String timestamp, String signatureHeader, byte[] payload, Clock clock,
                               Duration tolerance) {
        if (msgId == null || msgId.isEmpty() || timestamp == null || signatureHeader == null) {
            return Verification.rejected(Verification.Problem.MALFORMED,
                    "missing webhook-id, webhook-timestamp or webhook-signature header");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Verification.rejected(Verification.Problem.MALFORMED, "webhook-timestamp is not Unix seconds: "
                    + Payload.quote(timestamp));
        }
        byte[] want = mac(msgId, ts, payload);
        boolean ok = false;
        for (String entry : List.of(signatureHeader.trim().split(" +"))) {
            int comma = entry.indexOf(',');
            if (comma < 0 || !entry.substring(0, comma).equals("v1")) continue;
            try {
                if (MessageDigest.isEqual(want, Base64.getDecoder().decode(entry.substring(comma + 1)))) ok = true;
            } catch (IllegalArgumentException ignored) {
                // not base64: not a match
            }
        }
        if (!ok) {
            return Verification.rejected(Verification.Problem.UNAUTHENTIC,
                    "no v1 signature in webhook-signature matches this secret for webhook-id " + Payload.quote(msgId));
        }
        return SignatureVerifiers.window(Instant.ofEpochSecond(ts), tolerance, clock, "webhook-timestamp")
                .<Verification>map(r -> r).orElse(new Verification.Verified("standard-webhooks-v1"));
    }

    /** HMAC-SHA256 of {@code msgId.timestamp.payload}, fed in its pieces (nothing joined or copied). */
    private byte[] mac(String msgId, long timestamp, byte[] payload) {
        javax.crypto.Mac mac = keyed();
        mac.update(msgId.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) '.');
        mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) '.');
        return mac.doFinal(payload);
    }

    /** A fresh HMAC-SHA256 with this key: a copy of the one keyed in the constructor (no provider lookup per use). */
    private javax.crypto.Mac keyed() {
        try {
            return (javax.crypto.Mac) keyedMac.clone();
        } catch (CloneNotSupportedException e) {
            return newMac(key);
        }
    }

    private static javax.crypto.Mac newMac(byte[] key) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }
}
