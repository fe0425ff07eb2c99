package dev.rebound.server.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ${rebound.shared.dir}/fixtures/provider-events}: bodies as bytes, stored headers, keys, expected rows. */
final class ProviderFixtures {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Path DIR = Path.of(System.getProperty("rebound.shared.dir", "../../shared")).resolve("fixtures/provider-events");
    static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback-example";
    static final String CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";
    static final String MAILGUN_KEY = "rebound-fixture-mailgun-signing-key-not-secret";

    record Row(String file, int index, String provider, String recipient, String outcome, String reason) {}

    private ProviderFixtures() {}

    static byte[] bytes(String file) {
        try {
            return Files.readAllBytes(DIR.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String file) {
        return JSON.readTree(bytes(file));
    }

    static List<Row> rows() {
        try {
            List<Row> out = new ArrayList<>();
            for (String l : Files.readAllLines(DIR.resolve("expected.jsonl"))) {
                if (l.isBlank()) continue;
                JsonNode n = JSON.readTree(l);
                out.add(new Row(n.get("file").asString(), n.get("index").asInt(), n.get("provider").asString(),
                        n.path("recipient").asString(""), n.get("outcome").asString(), n.path("reason").asString("")));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> headers(String file) {
        Map<String, String> h = new LinkedHashMap<>();
        JsonNode node;
        if (file.startsWith("sendgrid/upstream-vector/")) {
            node = json("sendgrid/upstream-vector/request.json").get("headers");
        } else {
            String dir = file.substring(0, file.indexOf('/'));
            node = json(dir + "/http-headers.json").get(file.substring(dir.length() + 1));
        }
        if (node != null) node.properties().forEach(e -> h.put(e.getKey(), e.getValue().asString()));
        return h;
    }

    static String provider(String file) {
        return file.substring(0, file.indexOf('/'));
    }

    /** When the fixture was signed (SNS Timestamp, SendGrid / Mailgun signed timestamp); a fixed time for Basic auth. */
    static Instant signedAt(String file) {
        return switch (provider(file)) {
            case "ses" -> Instant.parse(json(file).get("Timestamp").asString());
            case "sendgrid" -> Instant.ofEpochSecond(Long.parseLong(headers(file).get("X-Twilio-Email-Event-Webhook-Timestamp")));
            case "mailgun" -> Instant.ofEpochSecond(Long.parseLong(json(file).get("signature").get("timestamp").asString()));
            default -> Instant.parse("2026-01-01T00:00:00Z");
        };
    }

    static String fixtureSendGridKey() {
        return new String(bytes("sendgrid/test-public-key.txt"), StandardCharsets.US_ASCII).trim();
    }

    static String upstreamSendGridKey() {
        return json("sendgrid/upstream-vector/request.json").get("public_key").asString();
    }

    /** The service's environment for every fixture provider. */
    static Map<String, String> env() {
        return Map.of(
                "REBOUND_PROVIDERS_SES_TOPIC_ARNS", TOPIC,
                "REBOUND_PROVIDERS_SENDGRID_PUBLIC_KEYS", fixtureSendGridKey() + "," + upstreamSendGridKey(),
                "REBOUND_PROVIDERS_MAILGUN_SIGNING_KEYS", MAILGUN_KEY,
                "REBOUND_PROVIDERS_POSTMARK_USER", "rebound",
                "REBOUND_PROVIDERS_POSTMARK_PASSWORD", "postmark-test-password",
                "REBOUND_PROVIDERS_SPARKPOST_USER", "rebound",
                "REBOUND_PROVIDERS_SPARKPOST_PASSWORD", "sparkpost-test-password");
    }

    /** The real certificate source with the network replaced by the fixture PEM for the fixtures' URL only. */
    static HttpsCertificateSource certificates() {
        byte[] pem = bytes("ses/sns-test-signing-cert.pem");
        return new HttpsCertificateSource(url -> {
            if (url.toString().equals(CERT_URL)) return pem;
            throw new IOException("no network in tests: " + url);
        }, java.time.Clock.systemUTC());
    }
}
