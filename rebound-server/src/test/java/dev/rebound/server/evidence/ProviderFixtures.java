package dev.rebound.server.evidence;

import dev.rebound.core.events.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The server's view of {@code ${rebound.shared.dir}/fixtures/provider-events}: the core's {@link Fixtures} loader
 * (bytes, stored headers, keys, signing times) plus what only the service needs: the expected rows, the service's
 * environment for every provider, and the real certificate source fed the fixture PEM.
 */
final class ProviderFixtures {
    static final String TOPIC = Fixtures.TOPIC;
    static final String CERT_URL = Fixtures.CERT_URL;
    static final String MAILGUN_KEY = Fixtures.MAILGUN_KEY;

    record Row(String file, int index, String provider, String recipient, String outcome, String reason) {}

    private ProviderFixtures() {}

    static byte[] bytes(String file) {
        return Fixtures.bytes(file);
    }

    static Map<String, String> headers(String file) {
        return Fixtures.headers(file);
    }

    static String provider(String file) {
        return Fixtures.provider(file).id();
    }

    /** When the fixture was signed; Basic-auth fixtures are unsigned and get a fixed time the test clock can move to. */
    static Instant signedAt(String file) {
        Instant at = Fixtures.signedAt(file);
        return at.equals(Instant.EPOCH) ? Instant.parse("2026-01-01T00:00:00Z") : at;
    }

    static List<Row> rows() {
        try {
            List<Row> out = new ArrayList<>();
            for (String l : Files.readAllLines(Fixtures.DIR.resolve("expected.jsonl"))) {
                if (l.isBlank()) continue;
                JsonNode n = Fixtures.JSON.readTree(l);
                out.add(new Row(n.get("file").asString(), n.get("index").asInt(), n.get("provider").asString(),
                        n.path("recipient").asString(""), n.get("outcome").asString(), n.path("reason").asString("")));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service's environment for every fixture provider. */
    static Map<String, String> env() {
        return Map.of(
                "REBOUND_PROVIDERS_SES_TOPIC_ARNS", TOPIC,
                "REBOUND_PROVIDERS_SENDGRID_PUBLIC_KEYS", Fixtures.fixtureSendGridKey() + "," + Fixtures.upstreamSendGridKey(),
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
