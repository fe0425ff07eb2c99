package dev.rebound.core.events;

import dev.rebound.core.classify.ReplyClassifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Access to {@code ${rebound.shared.dir}/fixtures/provider-events}: bodies as bytes, headers, test keys. The one
 * loader of these fixtures: rebound-server's tests use it through this module's test jar.
 */
public final class Fixtures {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    public static final Path DIR = Path.of(System.getProperty("rebound.shared.dir", "../../shared"))
            .resolve("fixtures/provider-events");
    public static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback-example";
    public static final String CERT_URL =
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";
    public static final String MAILGUN_KEY = "rebound-fixture-mailgun-signing-key-not-secret";

    private Fixtures() {}

    public static byte[] bytes(String file) {
        try {
            return Files.readAllBytes(DIR.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }

    public static JsonNode json(String file) {
        return JSON.readTree(bytes(file));
    }

    /** The headers stored for {@code file} (in {@code <provider>/http-headers.json}, or the upstream request.json). */
    public static Map<String, String> headers(String file) {
        Map<String, String> h = new LinkedHashMap<>();
        JsonNode node;
        if (file.startsWith("sendgrid/upstream-vector/")) {
            node = json("sendgrid/upstream-vector/request.json").get("headers");
        } else {
            String dir = file.substring(0, file.indexOf('/'));
            node = json(dir + "/http-headers.json").get(file.substring(dir.length() + 1));
        }
        if (node != null) node.properties().forEach(e -> h.put(e.getKey(), e.getValue().stringValue()));
        return h;
    }

    public static Provider provider(String file) {
        return Provider.fromId(file.substring(0, file.indexOf('/'))).orElseThrow();
    }

    static WebhookRequest request(String file) {
        return new WebhookRequest(provider(file), headers(file), bytes(file));
    }

    public static X509Certificate testCertificate() {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(bytes("ses/sns-test-signing-cert.pem")));
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Maps the fixtures' SigningCertURL (and only it) to the test certificate. */
    static CertificateSource certificates() {
        X509Certificate cert = testCertificate();
        return url -> url.equals(CERT_URL) ? Optional.of(cert) : Optional.empty();
    }

    static WebhookSettings settings(String sendGridKey) {
        return WebhookSettings.none()
                .withSes(WebhookSettings.Sns.allowTopics(Set.of(TOPIC)))
                .withSendGrid(WebhookSettings.SendGrid.publicKey(sendGridKey))
                .withMailgun(WebhookSettings.Mailgun.signingKey(MAILGUN_KEY))
                .withPostmark(new WebhookSettings.BasicAuth("rebound", "postmark-test-password"))
                .withSparkPost(new WebhookSettings.BasicAuth("rebound", "sparkpost-test-password"));
    }

    public static String fixtureSendGridKey() {
        return text("sendgrid/test-public-key.txt").trim();
    }

    public static String upstreamSendGridKey() {
        return json("sendgrid/upstream-vector/request.json").get("public_key").stringValue();
    }

    /** A token set as the replay store: enough for one test. */
    static ReplayStore memoryReplays() {
        Set<String> seen = new HashSet<>();
        return (p, token, until) -> seen.add(p.id() + ":" + token);
    }

    static ProviderWebhooks webhooks(String sendGridKey, Clock clock) {
        return new ProviderWebhooks(settings(sendGridKey), certificates(), memoryReplays(), clock,
                ReplyClassifier.standard());
    }

    /** The moment a fixture was signed (SNS Timestamp, SendGrid / Mailgun signed timestamp); epoch for unsigned. */
    public static Instant signedAt(String file) {
        Provider p = provider(file);
        return switch (p) {
            case SES -> Instant.parse(json(file).get("Timestamp").stringValue());
            case SENDGRID -> Instant.ofEpochSecond(Long.parseLong(
                    headers(file).get(SignatureVerifiers.SENDGRID_TIMESTAMP)));
            case MAILGUN -> Instant.ofEpochSecond(Long.parseLong(
                    json(file).get("signature").get("timestamp").stringValue()));
            case POSTMARK, SPARKPOST -> Instant.EPOCH;
        };
    }

    /** A clock stopped a little after the fixture was signed. */
    static Clock clockAt(String file) {
        return Clock.fixed(signedAt(file).plusSeconds(30), ZoneOffset.UTC);
    }
}
