package dev.rebound.core.events;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What Rebound needs to know to accept each provider's webhook. A provider without settings is refused
 * ({@link Verification.Problem#NOT_CONFIGURED}): no provider is trusted by default.
 */
public record WebhookSettings(Optional<Sns> ses, Optional<SendGrid> sendgrid, Optional<Mailgun> mailgun,
                              Optional<BasicAuth> postmark, Optional<BasicAuth> sparkpost, int maxBodyBytes) {

    /** SendGrid posts batches of up to 768 KB; 4 MiB leaves room and still caps memory. */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

    public WebhookSettings {
        ses = ses == null ? Optional.empty() : ses;
        sendgrid = sendgrid == null ? Optional.empty() : sendgrid;
        mailgun = mailgun == null ? Optional.empty() : mailgun;
        postmark = postmark == null ? Optional.empty() : postmark;
        sparkpost = sparkpost == null ? Optional.empty() : sparkpost;
        if (maxBodyBytes <= 0) throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
    }

    /** No provider configured. */
    public static WebhookSettings none() {
        return new WebhookSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), DEFAULT_MAX_BODY_BYTES);
    }

    public WebhookSettings withSes(Sns s) {
        return new WebhookSettings(Optional.of(s), sendgrid, mailgun, postmark, sparkpost, maxBodyBytes);
    }

    public WebhookSettings withSendGrid(SendGrid s) {
        return new WebhookSettings(ses, Optional.of(s), mailgun, postmark, sparkpost, maxBodyBytes);
    }

    public WebhookSettings withMailgun(Mailgun s) {
        return new WebhookSettings(ses, sendgrid, Optional.of(s), postmark, sparkpost, maxBodyBytes);
    }

    public WebhookSettings withPostmark(BasicAuth s) {
        return new WebhookSettings(ses, sendgrid, mailgun, Optional.of(s), sparkpost, maxBodyBytes);
    }

    public WebhookSettings withSparkPost(BasicAuth s) {
        return new WebhookSettings(ses, sendgrid, mailgun, postmark, Optional.of(s), maxBodyBytes);
    }

    public WebhookSettings withMaxBodyBytes(int max) {
        return new WebhookSettings(ses, sendgrid, mailgun, postmark, sparkpost, max);
    }

    /**
     * Amazon SES through SNS.
     *
     * @param allowedTopicArns topics whose messages (and subscription confirmations) are accepted; a valid SNS
     *                         signature alone only proves "some AWS topic sent this"
     * @param maxAge           oldest accepted SNS {@code Timestamp}; SNS keeps the publish time on its retries, so
     *                         this must exceed the topic's retry span (default policy: 3 retries 20 s apart)
     * @param maxFutureSkew    how far in the future a Timestamp may be (clock skew)
     */
    public record Sns(Set<String> allowedTopicArns, Duration maxAge, Duration maxFutureSkew) {
        public Sns {
            allowedTopicArns = Set.copyOf(Objects.requireNonNull(allowedTopicArns, "allowedTopicArns"));
            requirePositive(maxAge, "maxAge");
            requirePositive(maxFutureSkew, "maxFutureSkew");
        }

        /** One hour back (as several SDK validators), five minutes forward. */
        public static Sns allowTopics(Set<String> topicArns) {
            return new Sns(topicArns, Duration.ofHours(1), Duration.ofMinutes(5));
        }
    }

    /**
     * SendGrid's Signed Event Webhook.
     *
     * @param publicKeys the verification keys as SendGrid shows them (base64 DER SubjectPublicKeyInfo, ECDSA P-256);
     *                   several when the account has several webhooks or during a key rotation
     * @param tolerance  accepted distance between the signed timestamp and now, both directions
     */
    public record SendGrid(List<String> publicKeys, Duration tolerance) {
        public SendGrid {
            publicKeys = List.copyOf(Objects.requireNonNull(publicKeys, "publicKeys"));
            if (publicKeys.isEmpty()) throw new IllegalArgumentException("SendGrid needs at least one public key");
            requirePositive(tolerance, "tolerance");
        }

        public static SendGrid publicKey(String base64Der) {
            return new SendGrid(List.of(base64Der), Duration.ofMinutes(5));
        }
    }

    /**
     * Mailgun webhook signing.
     *
     * @param signingKeys the HTTP webhook signing key(s) (primary account and, for subaccounts, the parent's)
     * @param tolerance   accepted distance between {@code signature.timestamp} and now, both directions
     */
    public record Mailgun(List<String> signingKeys, Duration tolerance) {
        public Mailgun {
            signingKeys = List.copyOf(Objects.requireNonNull(signingKeys, "signingKeys"));
            if (signingKeys.isEmpty() || signingKeys.stream().anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException("Mailgun needs at least one non-empty signing key");
            }
            requirePositive(tolerance, "tolerance");
        }

        public static Mailgun signingKey(String key) {
            return new Mailgun(List.of(key), Duration.ofMinutes(5));
        }
    }

    /** HTTP Basic credentials configured on the provider's webhook (Postmark, SparkPost: they sign nothing). */
    public record BasicAuth(String user, String password) {
        public BasicAuth {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isEmpty() || password.isEmpty() || user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("Basic auth needs a non-empty user without ':' and a non-empty password");
            }
        }

        @Override
        public String toString() {
            return "BasicAuth[" + user + ", ****]";
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
}
