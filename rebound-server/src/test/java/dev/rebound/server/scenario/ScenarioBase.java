package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * End-to-end scenarios (chasquid style, one numbered class each): the real service (HTTP + SMTP intake, SQLite
 * store, scheduler, SmtpDeliveryAgent) with dns.servers pointing at {@link FakeDns} and MX port at
 * {@link FakeMx}, time on a {@link MutableClock}; the scheduler is driven with runOnce(), never by sleeping.
 */
abstract class ScenarioBase {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));
    FakeDns dns;
    FakeMx mx;
    ServiceHarness h;

    @BeforeEach
    void startFakes() {
        dns = FakeDns.start();
        mx = FakeMx.start();
    }

    /** Starts the service; extra env entries override the defaults pointing at the fakes. */
    void startService(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port());
        env.put("REBOUND_DNS_TIMEOUT", "2s");
        env.put("REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()));
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.putAll(extra);
        h = ServiceHarness.withRealDelivery(dir, clock, false, env);
    }

    void startService() {
        startService(Map.of());
    }

    @AfterEach
    void stopAll() {
        if (h != null) h.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    /** example.test has one MX, mx1.example.test, on 127.0.0.1. */
    void domainWithMx(String domain) {
        dns.mx(domain, 10, "mx1." + domain).a("mx1." + domain, "127.0.0.1");
    }

    String postMessage(String json) throws Exception {
        var r = h.post("/v1/messages", json);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    JsonNode status(String id) throws Exception {
        var r = h.get("/v1/messages/" + id);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    JsonNode recipient(String id, String address) throws Exception {
        for (JsonNode r : status(id).get("recipients")) if (r.get("address").asString().equals(address)) return r;
        throw new AssertionError("no recipient " + address + " in " + status(id));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
