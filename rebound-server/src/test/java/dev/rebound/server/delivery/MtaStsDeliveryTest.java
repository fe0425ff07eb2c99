package dev.rebound.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.tls.StsPolicy;
import dev.rebound.core.tls.TlsMode;
import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.FakeStsHost;
import dev.rebound.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Outbound TLS policy end to end on real sockets: FakeDns on 127.0.0.1 answers MX, A and the {@code _mta-sts} TXT
 * record; a real HTTPS server ({@link FakeStsHost}) serves the MTA-STS policy of {@code sts.test}; FakeMx is the MX
 * ({@code fake-mx.test}, whose test certificate the trust anchors accept). Nothing may reach DATA when the policy
 * refuses, and every result carries the TLS decision with its rule and the policy id.
 */
class MtaStsDeliveryTest {
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    private static final byte[] MESSAGE = "From: s@sender.test\r\nTo: a@sts.test\r\nSubject: hi\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.UTF_8);
    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: fake-mx.test\nmx: *.backup.test\nmax_age: 3600\n";

    private final FakeMx mx = FakeMx.start();
    private final FakeDns dns = FakeDns.start();
    private final FakeStsHost sts = FakeStsHost.start();
    private final MutableClock clock = new MutableClock(T0);
    private SmtpDeliveryAgent agent;

    @AfterEach
    void close() {
        if (agent != null) agent.close();
        mx.close();
        dns.close();
        sts.close();
    }

    private DeliveryConfig config(TlsMode mode) {
        return DeliveryConfig.defaults().withHeloName("rebound.test")
                .withTimeouts(DeliveryConfig.Timeouts.uniform(Duration.ofSeconds(5)))
                .withDns(List.of(dns.address()), Duration.ofMillis(500))
                .withSmtpPort(mx.port())
                .withTls(mode)
                .withMtaSts(DeliveryConfig.MtaSts.defaults().withPolicyPort(sts.port()).withTimeout(Duration.ofSeconds(5)))
                .withTrustAnchors(Optional.of(FakeStsHost.trustAnchors()));
    }

    private SmtpDeliveryAgent agent(DeliveryConfig c) {
        agent = new SmtpDeliveryAgent(c, clock);
        return agent;
    }

    /** sts.test: MX 10 {@code mxHost} → 127.0.0.1; policy host mta-sts.sts.test → 127.0.0.1; TXT id. */
    private void publish(String mxHost, String id) {
        dns.mx("sts.test", 10, mxHost).a(mxHost, "127.0.0.1").a("mta-sts.sts.test", "127.0.0.1");
        if (id != null) dns.txt("_mta-sts.sts.test", "v=STSv1; id=" + id + ";");
    }

    private static DeliveryRequest request() {
        return new DeliveryRequest("msg-1", "s@sender.test", List.of("a@sts.test"), "sts.test", MESSAGE);
    }

    private static String summary(RecipientResult r) {
        return r.phase() + " " + r.reply().code() + " " + r.reply().enhanced().map(Object::toString).orElse("-")
                + " " + r.tls().map(d -> d.rule() + " " + d.verdict() + (d.policyId().isEmpty() ? "" : " id=" + d.policyId())).orElse("no-tls-decision");
    }

    private boolean mailCommandSent() {
        return mx.transcript().stream().anyMatch(l -> l.startsWith("C: MAIL") || l.startsWith("C: DATA"));
    }

    @Nested
    class Enforce {
        @Test
        void deliveredOverVerifiedTlsToAMatchingMx() {
            publish("fake-mx.test", "20261204");
            sts.policy(ENFORCE);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 mta-sts.enforce.ok ALLOWED id=20261204");
            assertThat(r.tls().orElseThrow().tls()).startsWith("TLSv1.").endsWith(" verified");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
            assertThat(sts.requests()).containsExactly("GET /.well-known/mta-sts.txt Host=mta-sts.sts.test:" + sts.port());
        }

        @Test
        void anMxWithoutStartTlsGetsNothingInClearEvenWithModeNone() {
            publish("fake-mx.test", "e1");
            sts.policy(ENFORCE);
            // FakeMx offers no STARTTLS without a TLS context
            RecipientResult r = agent(config(TlsMode.NONE)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("STARTTLS 451 4.7.4 mta-sts.enforce.not-offered DENIED id=e1");
            assertThat(r.local()).isTrue();
            assertThat(r.reply().text()).contains("TLS is required, but was not offered by fake-mx.test[127.0.0.1]:" + mx.port(),
                    "mta-sts.enforce.not-offered", "MTA-STS policy id e1");
            assertThat(mx.receivedAll()).isEmpty();
            assertThat(mailCommandSent()).isFalse();
        }

        @Test
        void anMxThatMatchesNoPatternIsNeverContacted() {
            publish("mx.elsewhere.test", "e2");
            sts.policy(ENFORCE);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("NONE 451 4.7.5 mta-sts.enforce.mx-mismatch DENIED id=e2");
            assertThat(r.reply().text()).contains("mx.elsewhere.test matches none of the MTA-STS policy's mx patterns [fake-mx.test, *.backup.test]");
            assertThat(mx.connections()).isZero();
        }

        @Test
        void theNextMatchingMxIsTriedWhenTheFirstDoesNotMatch() {
            dns.mx("sts.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1");
            publish("fake-mx.test", "e3"); // preference 10 as well, after the first in answer order
            sts.policy(ENFORCE);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 mta-sts.enforce.ok ALLOWED id=e3");
            assertThat(r.mxHost()).isEqualTo("fake-mx.test");
            assertThat(mx.connections()).isEqualTo(1);
        }

        @Test
        void aCertificateThatDoesNotNameTheMxIsRefused() {
            publish("mx1.backup.test", "e4"); // matches *.backup.test, but the certificate names fake-mx.test
            sts.policy(ENFORCE);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("STARTTLS 451 4.7.5 mta-sts.enforce.unverified DENIED id=e4");
            assertThat(r.reply().text()).contains("certificate of mx1.backup.test[127.0.0.1]", "not verified");
            assertThat(mx.receivedAll()).isEmpty();
            assertThat(mailCommandSent()).isFalse();
        }

        @Test
        void aPooledPlainSessionOfAnotherDomainIsNotReusedForAnEnforcedOne() {
            // plain.test (no policy) and sts.test (enforce) share the MX; the plain session must not carry sts.test mail
            dns.mx("plain.test", 10, "fake-mx.test");
            publish("fake-mx.test", "e5");
            sts.policy(ENFORCE);
            SmtpDeliveryAgent a = agent(config(TlsMode.NONE));
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult plain = a.deliver(new DeliveryRequest("m0", "s@sender.test", List.of("b@plain.test"), "plain.test", MESSAGE)).getFirst();
            assertThat(summary(plain)).isEqualTo("END_OF_DATA 250 2.0.0 tls.none ALLOWED");
            assertThat(a.idleConnections()).isEqualTo(1);
            RecipientResult r = a.deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 mta-sts.enforce.ok ALLOWED id=e5");
            assertThat(mx.received()).extracting(FakeMx.Received::tls).containsExactly(false, true);
            assertThat(mx.connections()).isEqualTo(2);
        }
    }

    @Nested
    class Testing {
        @Test
        void deliveredInClearWithTheFailureRecorded() {
            publish("fake-mx.test", "t1");
            sts.policy("version: STSv1\nmode: testing\nmx: fake-mx.test\nmax_age: 3600\n");
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 mta-sts.testing.not-offered ALLOWED_WITH_FAILURE id=t1");
            assertThat(r.tls().orElseThrow().detail()).contains("policy (testing) is not met");
            assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.tls()).isFalse());
        }

        @Test
        void aNonMatchingMxStillGetsTheMailAndTheMismatchIsRecorded() {
            publish("mx.elsewhere.test", "t2");
            sts.policy("version: STSv1\nmode: testing\nmx: fake-mx.test\nmax_age: 3600\n");
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC)).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 mta-sts.testing.mx-mismatch ALLOWED_WITH_FAILURE id=t2");
            assertThat(mx.received()).hasSize(1);
        }
    }

    @Nested
    class ConfiguredModes {
        @Test
        void requireWithoutStartTlsIsDeferred() {
            publish("fake-mx.test", null); // no MTA-STS
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC).withTlsPolicies(Map.of("STS.test", TlsMode.REQUIRE))).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("STARTTLS 451 4.7.4 tls.require.not-offered DENIED");
            assertThat(mailCommandSent()).isFalse();
            assertThat(mx.receivedAll()).isEmpty();
        }

        @Test
        void requireAcceptsAnyCertificate() {
            publish("mx1.backup.test", null); // the certificate does not name this host
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.REQUIRE).withTrustAnchors(Optional.empty())).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 tls.require.ok ALLOWED");
            assertThat(r.tls().orElseThrow().tls()).contains("unverified");
        }

        @Test
        void verifyWithABadCertificateIsDeferredAndWithAGoodOneDelivered() {
            publish("mx1.backup.test", null);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult bad = agent(config(TlsMode.VERIFY)).deliver(request()).getFirst();
            assertThat(summary(bad)).isEqualTo("STARTTLS 451 4.7.5 tls.verify.unverified DENIED");
            assertThat(bad.reply().text()).contains("certificate of mx1.backup.test[127.0.0.1]", "No subject alternative DNS name matching mx1.backup.test");
            assertThat(mx.receivedAll()).isEmpty();

            dns.mx("good.test", 10, "fake-mx.test").a("fake-mx.test", "127.0.0.1");
            RecipientResult good = agent.deliver(new DeliveryRequest("m2", "s@sender.test", List.of("a@good.test"), "good.test", MESSAGE)).getFirst();
            assertThat(summary(good)).isEqualTo("END_OF_DATA 250 2.0.0 tls.verify.ok ALLOWED");
        }

        @Test
        void verifyAgainstTheJdkTrustStoreRefusesASelfSignedCertificate() {
            publish("fake-mx.test", null);
            mx.script().tls(FakeMx.selfSignedTls());
            RecipientResult r = agent(config(TlsMode.VERIFY).withTrustAnchors(Optional.empty())).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("STARTTLS 451 4.7.5 tls.verify.unverified DENIED");
            assertThat(r.reply().text()).contains("PKIX");
        }

        @Test
        void routesBypassMtaSts() {
            publish("fake-mx.test", "r1");
            sts.policy(ENFORCE);
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC).withRoutes(Map.of("sts.test", new dev.rebound.server.config.HostPort("127.0.0.1", mx.port()))))
                    .deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 tls.opportunistic.plain ALLOWED");
            assertThat(sts.requests()).isEmpty();
            assertThat(dns.queries()).noneMatch(q -> q.startsWith("_mta-sts"));
        }

        @Test
        void anInternationalisedDomainIsAskedForInItsALabelForm() {
            dns.mx("xn--bcher-kva.test", 10, "fake-mx.test").a("fake-mx.test", "127.0.0.1");
            RecipientResult r = agent(config(TlsMode.OPPORTUNISTIC))
                    .deliver(new DeliveryRequest("m3", "s@sender.test", List.of("a@xn--bcher-kva.test"), "bücher.test", MESSAGE)).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 tls.opportunistic.plain ALLOWED");
            assertThat(dns.queries()).contains("_mta-sts.xn--bcher-kva.test. TXT", "xn--bcher-kva.test. MX");
        }

        @Test
        void mtaStsCanBeTurnedOff() {
            publish("fake-mx.test", "off1");
            sts.policy(ENFORCE);
            DeliveryConfig c = config(TlsMode.OPPORTUNISTIC);
            RecipientResult r = agent(c.withMtaSts(c.mtaSts().withEnabled(false))).deliver(request()).getFirst();
            assertThat(summary(r)).isEqualTo("END_OF_DATA 250 2.0.0 tls.opportunistic.plain ALLOWED");
            assertThat(sts.requests()).isEmpty();
        }
    }

    @Nested
    class Cache {
        private RecipientResult deliver() {
            return agent.deliver(request()).getFirst();
        }

        @Test
        void keptByIdAndMaxAgeRefreshedWhenTheIdChanges() {
            publish("fake-mx.test", "v1");
            sts.policy(ENFORCE); // max_age 3600
            mx.script().tls(FakeMx.selfSignedTls());
            agent(config(TlsMode.OPPORTUNISTIC));
            assertThat(summary(deliver())).endsWith("mta-sts.enforce.ok ALLOWED id=v1");
            assertThat(sts.requests()).hasSize(1);

            // same id within max_age: no fetch, even when the served policy changed
            sts.policy("version: STSv1\nmode: testing\nmx: fake-mx.test\nmax_age: 3600\n");
            clock.advance(Duration.ofMinutes(30));
            assertThat(summary(deliver())).endsWith("mta-sts.enforce.ok ALLOWED id=v1");
            assertThat(sts.requests()).hasSize(1);

            // the TXT id changes: fetched at once
            dns.remove("_mta-sts.sts.test", Type.TXT).txt("_mta-sts.sts.test", "v=STSv1; id=v2;");
            assertThat(summary(deliver())).endsWith("mta-sts.testing.ok ALLOWED id=v2");
            assertThat(sts.requests()).hasSize(2);

            // the record disappears: the fresh cached policy still applies (RFC 8461 §3.3)
            dns.remove("_mta-sts.sts.test", Type.TXT);
            assertThat(summary(deliver())).endsWith("mta-sts.testing.ok ALLOWED id=v2");
            assertThat(sts.requests()).hasSize(2);

            // max_age passed with the same id: fetched again
            dns.txt("_mta-sts.sts.test", "v=STSv1; id=v2;");
            sts.policy(ENFORCE);
            clock.advance(Duration.ofMinutes(61));
            assertThat(summary(deliver())).endsWith("mta-sts.enforce.ok ALLOWED id=v2");
            assertThat(sts.requests()).hasSize(3);

            // expired and no record: no policy any more
            dns.remove("_mta-sts.sts.test", Type.TXT);
            clock.advance(Duration.ofMinutes(61));
            assertThat(summary(deliver())).endsWith("tls.opportunistic.tls ALLOWED");
        }

        @Test
        void aFailedFetchMeansNoPolicyAndIsNotRepeatedWithinTheBackoff() {
            publish("fake-mx.test", "f1");
            sts.respond(404, "text/plain", "not here");
            agent(config(TlsMode.OPPORTUNISTIC));
            assertThat(summary(deliver())).isEqualTo("END_OF_DATA 250 2.0.0 tls.opportunistic.plain ALLOWED");
            assertThat(sts.requests()).hasSize(1);
            clock.advance(Duration.ofMinutes(1));
            deliver();
            assertThat(sts.requests()).hasSize(1);
            sts.policy(ENFORCE);
            clock.advance(Duration.ofMinutes(5));
            assertThat(summary(deliver())).isEqualTo("STARTTLS 451 4.7.4 mta-sts.enforce.not-offered DENIED id=f1");
            assertThat(sts.requests()).hasSize(2);
        }
    }

    /** The fetch itself against the real HTTPS server: every RFC 8461 §3.3 refusal. */
    @Nested
    class Fetch {
        private StsPolicy.Parse fetch() {
            dns.a("mta-sts.sts.test", "127.0.0.1");
            MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofMillis(500));
            return new MtaStsFetcher(resolver, new TlsTrust(Optional.of(FakeStsHost.trustAnchors())), sts.port(), Duration.ofSeconds(5))
                    .fetch("sts.test");
        }

        private String problem() {
            StsPolicy.Parse p = fetch();
            assertThat(p).isInstanceOf(StsPolicy.Invalid.class);
            return ((StsPolicy.Invalid) p).problem();
        }

        @Test
        void aValidPolicyWithContentLengthOrChunked() {
            sts.policy(ENFORCE);
            assertThat(fetch()).isInstanceOfSatisfying(StsPolicy.Valid.class, v -> assertThat(v.policy().maxAge()).isEqualTo(Duration.ofHours(1)));
            sts.chunked(true);
            assertThat(fetch()).isInstanceOf(StsPolicy.Valid.class);
        }

        @Test
        void redirectsAreNotFollowed() {
            sts.respond(301, "text/plain", "moved").header("Location", "https://mta-sts.other.test/.well-known/mta-sts.txt");
            assertThat(problem()).contains("HTTP 301 redirect to \"https://mta-sts.other.test/.well-known/mta-sts.txt\" not followed");
            assertThat(sts.requests()).hasSize(1);
        }

        @Test
        void otherStatusWrongTypeTooBigNotUtf8AndBadPolicyAreRefused() {
            sts.respond(500, "text/plain", "oops");
            assertThat(problem()).contains("HTTP 500");
            sts.respond(200, "text/html", ENFORCE);
            assertThat(problem()).contains("Content-Type \"text/html\" is not text/plain");
            sts.respond(200, "text/plain", ENFORCE + "x: " + "y".repeat(70_000) + "\n");
            assertThat(problem()).contains("exceeds 65536 bytes");
            sts.chunked(true);
            assertThat(problem()).contains("exceeds 65536 bytes");
            sts.chunked(false);
            sts.respond(200, "text/plain", "version: STSv1\nmode: enforce\nmax_age: 60\n");
            assertThat(problem()).contains("without an mx field");
        }

        @Test
        void aCertificateThatDoesNotNameThePolicyHostIsRefused() {
            try (FakeStsHost wrong = FakeStsHost.withMxCertificate()) {
                wrong.policy(ENFORCE);
                dns.a("mta-sts.sts.test", "127.0.0.1");
                MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofMillis(500));
                StsPolicy.Parse p = new MtaStsFetcher(resolver, new TlsTrust(Optional.of(FakeStsHost.trustAnchors())), wrong.port(),
                        Duration.ofSeconds(5)).fetch("sts.test");
                assertThat(p).isInstanceOfSatisfying(StsPolicy.Invalid.class, i -> assertThat(i.problem()).contains("SSLHandshakeException"));
                assertThat(wrong.requests()).isEmpty();
            }
        }

        @Test
        void noAddressForThePolicyHost() {
            MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofMillis(500));
            StsPolicy.Parse p = new MtaStsFetcher(resolver, new TlsTrust(Optional.empty()), sts.port(), Duration.ofSeconds(5)).fetch("nohost.test");
            assertThat(p).isInstanceOfSatisfying(StsPolicy.Invalid.class, i -> assertThat(i.problem()).contains("no address for mta-sts.nohost.test"));
        }
    }
}
