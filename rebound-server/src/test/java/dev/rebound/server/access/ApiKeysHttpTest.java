package dev.rebound.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys with scopes (issue 9), against the real service over HTTP: 401 without or with an unknown or revoked
 * key, 403 naming the missing scope, 429 with Retry-After over the key's rate (the service clock is a
 * {@link MutableClock}), {@code api.keys} still full access, {@code /metrics} behind the read scope.
 */
@Tag("security")
class ApiKeysHttpTest {
    private static final String MESSAGE = "{\"from\":\"app@example.org\",\"to\":[\"a@example.com\"],\"text\":\"x\"}";
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private ApiKeys keys() {
        return new ApiKeys(h.service.store(), List.of(), clock);
    }

    private static String[] bearer(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    @Test
    void scopesDecideWhatAKeyMayDo() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        assertThat(h.post("/v1/messages", MESSAGE).status()).as("no key anywhere: open, as before").isEqualTo(202);

        String send = keys().create("app", Set.of(Scope.SEND), 0, 1).key();
        String read = keys().create("dashboard", Set.of(Scope.READ), 0, 1).key();
        String admin = keys().create("ops", Set.of(Scope.ADMIN), 0, 1).key();
        assertThat(send).matches("rbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");

        var none = h.post("/v1/messages", MESSAGE);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(none.json().get("error").asString()).isEqualTo("unauthorized");

        var sent = h.post("/v1/messages", MESSAGE, bearer(send));
        assertThat(sent.status()).isEqualTo(202);
        String id = sent.json().get("id").asString();

        var forbidden = h.get("/v1/messages/" + id, bearer(send));
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().get("error").asString()).isEqualTo("forbidden");
        assertThat(forbidden.json().get("field").asString()).isEqualTo("scope");
        assertThat(forbidden.json().get("value").asString()).isEqualTo("read");
        assertThat(forbidden.json().get("message").asString()).contains("lacks the scope \"read\"", "GET /v1/messages/{id}", "its scopes: send");

        assertThat(h.get("/v1/messages/" + id, bearer(read)).status()).isEqualTo(200);
        var noSend = h.post("/v1/messages", MESSAGE, bearer(read));
        assertThat(noSend.status()).isEqualTo(403);
        assertThat(noSend.json().get("message").asString()).contains("\"send\"");
        assertThat(h.get("/v1/suppressions", bearer(read)).status()).isEqualTo(403);
        assertThat(h.get("/v1/providers/ses/subscriptions", bearer(read)).status()).isEqualTo(403);

        // admin includes every scope
        assertThat(h.get("/v1/suppressions", bearer(admin)).status()).isEqualTo(200);
        assertThat(h.get("/v1/providers/ses/subscriptions", bearer(admin)).status()).isEqualTo(200);
        assertThat(h.post("/v1/messages", MESSAGE, bearer(admin)).status()).isEqualTo(202);

        // /metrics needs the read scope once keys are in use; health and the API description stay open
        assertThat(h.get("/metrics").status()).isEqualTo(401);
        assertThat(h.get("/metrics", bearer(send)).status()).isEqualTo(403);
        assertThat(h.get("/metrics", bearer(read)).status()).isEqualTo(200);
        assertThat(h.get("/healthz").status()).isEqualTo(200);
        assertThat(h.get("/livez").status()).isEqualTo(200);
        assertThat(h.get("/openapi.json").status()).isEqualTo(200);

        // a wrong secret for a real id, garbage, a revoked key: 401
        String wrongSecret = send.substring(0, send.length() - 4) + (send.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThat(h.post("/v1/messages", MESSAGE, bearer(wrongSecret)).status()).isEqualTo(401);
        assertThat(h.post("/v1/messages", MESSAGE, bearer("not-a-key")).status()).isEqualTo(401);
        String sendId = send.substring(4, 20);
        assertThat(keys().revoke(sendId)).get().satisfies(k -> assertThat(k.revokedAt()).isPresent());
        var revoked = h.post("/v1/messages", MESSAGE, bearer(send));
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.json().get("message").asString()).contains("revoked");

        // revoking every key does not open the API
        keys().revoke(read);
        keys().revoke(admin);
        assertThat(h.post("/v1/messages", MESSAGE).status()).isEqualTo(401);
        assertThat(keys().list()).hasSize(3).allSatisfy(k -> assertThat(k.revokedAt()).isPresent());
    }

    @Test
    void theStoreKeepsOnlyAHashOfTheSecret() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        ApiKeys.Issued issued = keys().create("app", EnumSet.of(Scope.SEND, Scope.READ), 0, 1);
        String secret = issued.key().substring(21);
        var stored = h.service.store().apiKey(issued.record().id()).orElseThrow();
        assertThat(stored.secretSha256()).hasSize(64).doesNotContain(secret);
        assertThat(stored.scopes()).isEqualTo("send read");
        assertThat(java.nio.file.Files.readString(dir.resolve("rebound.db"), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(secret);
    }

    @Test
    void configKeysKeepFullAccessBesideStoredKeys() throws Exception {
        String legacy = "k-0123456789abcdef";
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_API_KEYS", legacy));
        String read = new ApiKeys(h.service.store(), List.of(legacy), clock).create("dashboard", Set.of(Scope.READ), 0, 1).key();
        var sent = h.post("/v1/messages", MESSAGE, bearer(legacy));
        assertThat(sent.status()).isEqualTo(202);
        assertThat(h.get("/v1/messages/" + sent.json().get("id").asString(), bearer(legacy)).status()).isEqualTo(200);
        assertThat(h.get("/v1/suppressions", bearer(legacy)).status()).isEqualTo(200);
        assertThat(h.get("/metrics", bearer(legacy)).status()).isEqualTo(200);
        assertThat(h.get("/v1/queue", bearer(read)).status()).isEqualTo(200);
        assertThat(h.post("/v1/messages", MESSAGE, bearer(read)).status()).isEqualTo(403);
    }

    @Test
    void aKeyOverItsRateGets429WithRetryAfter_andAForbiddenCallSpendsNoToken() throws Exception {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
        String key = keys().create("poller", Set.of(Scope.READ), 0.5, 2).key(); // one request per 2 s, 2 at once
        assertThat(h.post("/v1/messages", MESSAGE, bearer(key)).status()).as("403 before the rate").isEqualTo(403);
        assertThat(h.get("/v1/queue", bearer(key)).status()).isEqualTo(200);
        assertThat(h.get("/v1/queue", bearer(key)).status()).isEqualTo(200);
        var limited = h.get("/v1/queue", bearer(key));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("error").asString()).isEqualTo("rate_limited");
        assertThat(limited.raw().headers().firstValue("Retry-After")).hasValue("2");
        clock.advance(Duration.ofSeconds(2));
        assertThat(h.get("/v1/queue", bearer(key)).status()).isEqualTo(200);
        assertThat(h.get("/v1/queue", bearer(key)).status()).isEqualTo(429);
        // another key has its own bucket
        String other = keys().create("other", Set.of(Scope.READ), 0.5, 1).key();
        assertThat(h.get("/v1/queue", bearer(other)).status()).isEqualTo(200);
    }
}
