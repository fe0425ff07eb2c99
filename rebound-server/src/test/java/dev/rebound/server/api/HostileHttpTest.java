package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 9, finding 5, against the real service over HTTP: the recipient cap on composed messages, 405 with Allow,
 * Jetty's own refusals (over-long URI, {@code %00}) in the JSON error shape, overlong UTF-8 refused, a quoted
 * display name escaped once.
 */
@Tag("security")
class HostileHttpTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final HttpClient client = HttpClient.newHttpClient();
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_SMTP_MAX_RECIPIENTS", "5"));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.service.httpPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json");
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        return ServiceHarness.JSON.readTree(r.body());
    }

    @Test
    void composedMessagesHonourMaxRecipients() throws Exception {
        String six = "\"a@x.test\",\"b@x.test\",\"c@x.test\"], \"cc\": [\"d@x.test\",\"e@x.test\"], \"bcc\": [\"f@x.test\"";
        var r = h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[" + six + "],\"text\":\"x\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("field").asString()).isEqualTo("to");
        assertThat(r.json().get("value").asString()).isEqualTo("6 recipients");
        assertThat(r.json().get("message").asString()).contains("at most 5", "smtp.max-recipients");
        String five = "\"a@x.test\",\"b@x.test\",\"c@x.test\"], \"cc\": [\"d@x.test\",\"A@X.test\"], \"bcc\": [\"e@x.test\"";
        assertThat(h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[" + five + "],\"text\":\"x\"}").status())
                .as("duplicates count once").isEqualTo(202);
    }

    @Test
    void aWrongMethodIs405WithAllow_andAnUnknownPathIsAJson404() throws Exception {
        var patch = send("PATCH", "/v1/messages", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(patch.statusCode()).isEqualTo(405);
        assertThat(patch.headers().firstValue("Allow")).hasValue("POST, GET");
        assertThat(json(patch).get("error").asString()).isEqualTo("method_not_allowed");
        var put = send("PUT", "/v1/suppressions/transactional/a@x.test", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, DELETE");
        var delete = send("DELETE", "/v1/queue", null);
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("Allow")).hasValue("GET");
        var none = send("GET", "/v1/nothing-here", null);
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(json(none).get("error").asString()).isEqualTo("not_found");
    }

    @Test
    void jettysOwnRefusalsUseTheJsonErrorShape() throws Exception {
        var longUri = send("GET", "/v1/messages/" + "a".repeat(20_000), null);
        assertThat(longUri.statusCode()).isBetween(400, 499);
        assertThat(json(longUri).get("error").asString()).isNotBlank();
        assertThat(longUri.body()).doesNotContain("<html");
        var nul = send("GET", "/v1/messages/abc%00def", null);
        assertThat(nul.statusCode()).isEqualTo(400);
        assertThat(json(nul).get("error").asString()).isEqualTo("invalid_request");
        assertThat(nul.body()).doesNotContain("<html");
    }

    @Test
    void overlongUtf8IsRefused() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("{\"from\":\"app@example.org\",\"to\":[\"a@x.test\"],\"text\":\"..".getBytes(StandardCharsets.US_ASCII));
        body.write(0xc0);
        body.write(0xaf); // an overlong "/" (RFC 3629 §10)
        body.writeBytes("etc/passwd\"}".getBytes(StandardCharsets.US_ASCII));
        var r = send("POST", "/v1/messages", body.toByteArray());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode n = json(r);
        assertThat(n.get("field").asString()).isEqualTo("body");
        assertThat(n.get("message").asString()).contains("not valid UTF-8", "C0 AF", "at byte 54");
        assertThat(h.service.store().queueStats().depth()).isZero();
        var del = send("DELETE", "/v1/suppressions/transactional/a@x.test",
                new byte[] {'{', '"', 'r', 'e', 'a', 's', 'o', 'n', '"', ':', '"', (byte) 0xe0, (byte) 0x80, (byte) 0xaf, '"', '}'});
        assertThat(del.statusCode()).isEqualTo(400);
        assertThat(json(del).get("message").asString()).contains("not valid UTF-8");
    }

    @Test
    void aQuotedDisplayNameIsEscapedOnce() throws Exception {
        var r = h.post("/v1/messages", "{\"from\":\"\\\"Doe, \\\\\\\"JD\\\\\\\" John\\\" <jd@example.org>\",\"to\":[\"a@x.test\"],\"text\":\"x\"}");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        String raw = new String(h.service.store().content(r.json().get("id").asString()).orElseThrow().raw(), StandardCharsets.UTF_8);
        assertThat(raw).contains("From: \"Doe, \\\"JD\\\" John\" <jd@example.org>\r\n");
    }
}
