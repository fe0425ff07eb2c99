package dev.rebound.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.delivery.DeliveryRequest;
import dev.rebound.server.delivery.RecipientResult;
import dev.rebound.server.service.DeliveryAgents;
import dev.rebound.server.store.StoreFaults;
import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 9, finding 1 (leases): a delivery whose result the store cannot record (SQLITE_FULL after the MX said
 * 250) must not be sent again when its lease runs out. The real SMTP delivery agent delivers to {@link FakeMx};
 * right after it returns, the store is capped at its size (SQLite {@code max_page_count}), and the MX's long
 * 250 reply makes the attempt row need new pages, so recording it fails. The scheduler keeps the result with
 * its lease, claims nothing new while it holds it, and records it once the cap is lifted: one delivery.
 */
@Tag("faults")
class StoreFullLeaseTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));
    private FakeDns dns;
    private FakeMx mx;
    private ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    @Test
    void aResultTheStoreCouldNotRecordIsRecordedLaterAndNotDeliveredTwice() throws Exception {
        dns = FakeDns.start();
        mx = FakeMx.start();
        dns.mx("example.test", 10, "mx1.example.test").a("mx1.example.test", "127.0.0.1");
        StringBuilder longOk = new StringBuilder();
        for (int i = 0; i < 40; i++) longOk.append("250-2.0.0 line ").append(i).append(' ').append("z".repeat(400)).append('\n');
        mx.script().reply(".", longOk + "250 2.0.0 queued");

        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port());
        env.put("REBOUND_DNS_TIMEOUT", "2s");
        env.put("REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()));
        env.put("REBOUND_DELIVERY_TLS", "none");
        ReboundConfig cfg = ServiceHarness.config(dir, env);
        DeliveryAgent real = DeliveryAgents.forConfig(cfg, clock);
        AtomicBoolean fillAfterDelivery = new AtomicBoolean(true);
        ServiceHarness[] self = new ServiceHarness[1];
        DeliveryAgent fillingAfterDelivery = new DeliveryAgent() {
            @Override
            public List<RecipientResult> deliver(DeliveryRequest request) {
                List<RecipientResult> results = real.deliver(request);
                if (fillAfterDelivery.getAndSet(false)) StoreFaults.limitPages(self[0].service.store(), 0);
                return results;
            }

            @Override
            public void close() {
                real.close();
            }
        };
        h = new ServiceHarness(dir, clock, fillingAfterDelivery, false, env);
        self[0] = h;

        var accepted = h.post("/v1/messages", "{\"from\":\"app@example.org\",\"to\":[\"alice@example.test\"],\"subject\":\"s\",\"text\":\"t\"}");
        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.json().get("id").asString();

        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        assertThat(mx.received()).hasSize(1);
        assertThat(h.service.scheduler().unrecordedResults()).as("the 250 the store could not record is held").isEqualTo(1);
        assertThat(h.service.store().health().writable()).isFalse();
        assertThat(recipient(id).get("state").asString()).isEqualTo("QUEUED");

        clock.advance(Duration.ofMinutes(30)); // far past the lease (10 min)
        assertThat(h.service.scheduler().runOnce()).as("nothing claimed while a result is held").isZero();
        assertThat(mx.received()).hasSize(1);

        StoreFaults.unlimitPages(h.service.store());
        assertThat(h.service.scheduler().runOnce()).as("the held result is recorded; nothing is due again").isZero();
        assertThat(h.service.scheduler().unrecordedResults()).isZero();
        clock.advance(Duration.ofHours(2));
        h.service.scheduler().runOnce();

        assertThat(mx.received()).as("delivered once").hasSize(1);
        JsonNode r = recipient(id);
        assertThat(r.get("state").asString()).isEqualTo("DELIVERED");
        assertThat(r.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(r.get("attempts")).hasSize(1);
        assertThat(h.service.store().queueStats().leased()).isZero();
    }

    private JsonNode recipient(String id) throws Exception {
        var r = h.get("/v1/messages/" + id);
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("recipients").get(0);
    }
}
