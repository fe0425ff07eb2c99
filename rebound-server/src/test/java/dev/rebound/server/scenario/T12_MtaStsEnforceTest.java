package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.delivery.DeliveryConfig;
import dev.rebound.server.delivery.SmtpDeliveryAgent;
import dev.rebound.server.service.DeliveryAgents;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.FakeStsHost;
import dev.rebound.server.testing.ServiceHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A domain that publishes an MTA-STS policy in enforce mode, through the whole service: while its MX offers no
 * STARTTLS the message is deferred (never sent in clear) and the attempt's evidence names the TLS rule and the
 * policy id; once the MX offers TLS with a certificate for its name, the retry delivers over verified TLS. Even
 * with {@code delivery.tls: none}.
 */
class T12_MtaStsEnforceTest extends ScenarioBase {
    private final FakeStsHost sts = FakeStsHost.start();

    @AfterEach
    void stopSts() {
        sts.close();
    }

    @Test
    void enforcedDomain_deferredWhileTheMxLacksTls_thenDeliveredOverVerifiedTls() throws Exception {
        dns.mx("sts.test", 10, "fake-mx.test").a("fake-mx.test", "127.0.0.1").a("mta-sts.sts.test", "127.0.0.1")
                .txt("_mta-sts.sts.test", "v=STSv1; id=2026040101;");
        sts.policy("version: STSv1\nmode: enforce\nmx: fake-mx.test\nmax_age: 86400\n");
        Map<String, String> env = Map.of("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port(), "REBOUND_DNS_TIMEOUT", "2s",
                "REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()), "REBOUND_DELIVERY_TLS", "none");
        DeliveryConfig dc = DeliveryAgents.deliveryConfig(ServiceHarness.config(dir, env))
                .withMtaSts(DeliveryConfig.MtaSts.defaults().withPolicyPort(sts.port()))
                .withTrustAnchors(Optional.of(FakeStsHost.trustAnchors()));
        h = new ServiceHarness(dir, clock, new SmtpDeliveryAgent(dc, clock), false, env);
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"dora@sts.test\"],\"text\":\"x\"}");

        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "dora@sts.test");
        assertThat(r.get("state").asString()).isEqualTo("DEFERRED");
        JsonNode first = r.get("attempts").get(0);
        assertThat(first.get("smtp_code").asInt()).isEqualTo(451);
        assertThat(first.get("enhanced_code").asString()).isEqualTo("4.7.4");
        assertThat(first.get("phase").asString()).isEqualTo("STARTTLS");
        assertThat(first.get("mx_host").asString()).isEqualTo("fake-mx.test");
        JsonNode tls = first.get("tls");
        assertThat(tls.get("rule").asString()).isEqualTo("mta-sts.enforce.not-offered");
        assertThat(tls.get("verdict").asString()).isEqualTo("DENIED");
        assertThat(tls.get("mode").asString()).isEqualTo("none");
        assertThat(tls.get("policy_id").asString()).isEqualTo("2026040101");
        assertThat(tls.get("tls").asString()).isEqualTo("STARTTLS not offered");
        assertThat(mx.receivedAll()).isEmpty();
        assertThat(mx.transcript()).noneMatch(l -> l.startsWith("C: MAIL"));

        mx.script().tls(FakeMx.selfSignedTls());
        clock.advance(Duration.between(clock.instant(), Instant.parse(r.get("next_attempt_at").asString())));
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        r = recipient(id, "dora@sts.test");
        assertThat(r.get("state").asString()).isEqualTo("DELIVERED");
        JsonNode second = r.get("attempts").get(1).get("tls");
        assertThat(second.get("rule").asString()).isEqualTo("mta-sts.enforce.ok");
        assertThat(second.get("verdict").asString()).isEqualTo("ALLOWED");
        assertThat(second.get("tls").asString()).endsWith("verified").doesNotContain("unverified");
        assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
        assertThat(sts.requests()).hasSize(1); // the second attempt used the cached policy (same id, within max_age)
        assertThat(h.get("/metrics").raw().body())
                .contains("rebound_tls_decisions_total{rule=\"mta-sts.enforce.not-offered\",verdict=\"DENIED\"} 1.0")
                .contains("rebound_tls_decisions_total{rule=\"mta-sts.enforce.ok\",verdict=\"ALLOWED\"} 1.0");
    }

    @Test
    void noMxConsidered_attemptHasNoTlsDecision() throws Exception {
        startService();
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"x@nowhere.test\"],\"text\":\"x\"}");
        h.service.scheduler().runOnce();
        assertThat(recipient(id, "x@nowhere.test").get("attempts").get(0).get("tls").isNull()).isTrue();
    }
}
