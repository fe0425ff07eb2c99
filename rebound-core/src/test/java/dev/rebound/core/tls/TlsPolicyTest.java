package dev.rebound.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.tls.TlsDecision.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The TLS decision: configured modes, MTA-STS enforce and testing (RFC 8461 §4, §5). */
class TlsPolicyTest {
    private static final TlsResult VERIFIED = new TlsResult.Verified("TLSv1.3");
    private static final TlsResult UNVERIFIED = new TlsResult.Unverified("TLSv1.3", "PKIX path building failed");
    private static final TlsResult NOT_OFFERED = new TlsResult.NotOffered();
    private static final TlsResult REFUSED = new TlsResult.Refused("454 4.7.0 TLS not available");
    private static final TlsResult HANDSHAKE = new TlsResult.HandshakeFailed("Received fatal alert: handshake_failure");
    private static final TlsResult PLAIN = new TlsResult.NotAttempted("plain-text retry");

    private static StsPolicy policy(StsMode mode, String... mx) {
        return new StsPolicy(mode, List.of(mx).stream().map(MxPattern::new).toList(), Duration.ofDays(1));
    }

    private static String d(TlsRequirement r, String host, TlsResult t) {
        TlsDecision dec = TlsPolicy.session(r, host, t);
        return dec.rule() + " " + dec.verdict();
    }

    @Test
    void configuredModes() {
        TlsRequirement none = TlsRequirement.of(TlsMode.NONE);
        assertThat(none.startTls()).isFalse();
        assertThat(d(none, "mx.a.test", new TlsResult.NotAttempted("mode none"))).isEqualTo("tls.none ALLOWED");

        TlsRequirement opp = TlsRequirement.of(TlsMode.OPPORTUNISTIC);
        assertThat(d(opp, "mx.a.test", UNVERIFIED)).isEqualTo("tls.opportunistic.tls ALLOWED");
        assertThat(d(opp, "mx.a.test", NOT_OFFERED)).isEqualTo("tls.opportunistic.plain ALLOWED");
        assertThat(d(opp, "mx.a.test", REFUSED)).isEqualTo("tls.opportunistic.plain ALLOWED");
        assertThat(d(opp, "mx.a.test", HANDSHAKE)).isEqualTo("tls.opportunistic.fallback RETRY_PLAIN");
        assertThat(d(opp, "mx.a.test", PLAIN)).isEqualTo("tls.opportunistic.plain-after-failure ALLOWED");

        TlsRequirement req = TlsRequirement.of(TlsMode.REQUIRE);
        assertThat(d(req, "mx.a.test", UNVERIFIED)).isEqualTo("tls.require.ok ALLOWED");
        assertThat(d(req, "mx.a.test", NOT_OFFERED)).isEqualTo("tls.require.not-offered DENIED");
        assertThat(d(req, "mx.a.test", REFUSED)).isEqualTo("tls.require.refused DENIED");
        assertThat(d(req, "mx.a.test", HANDSHAKE)).isEqualTo("tls.require.handshake DENIED");

        TlsRequirement ver = TlsRequirement.of(TlsMode.VERIFY);
        assertThat(d(ver, "mx.a.test", VERIFIED)).isEqualTo("tls.verify.ok ALLOWED");
        assertThat(d(ver, "mx.a.test", UNVERIFIED)).isEqualTo("tls.verify.unverified DENIED");
        assertThat(d(ver, "mx.a.test", NOT_OFFERED)).isEqualTo("tls.verify.not-offered DENIED");
        assertThat(TlsPolicy.host(ver, "anything.test").verdict()).isEqualTo(Verdict.ALLOWED);
    }

    @Test
    void enforceNeedsMatchingHostAndVerifiedTlsWhateverTheConfiguredMode() {
        for (TlsMode m : TlsMode.values()) {
            TlsRequirement r = TlsRequirement.withSts(m, "id1", policy(StsMode.ENFORCE, "*.a.test"));
            assertThat(r.startTls()).isTrue();
            assertThat(d(r, "mx.a.test", VERIFIED)).isEqualTo("mta-sts.enforce.ok ALLOWED");
            assertThat(d(r, "mx.a.test", UNVERIFIED)).isEqualTo("mta-sts.enforce.unverified DENIED");
            assertThat(d(r, "mx.a.test", NOT_OFFERED)).isEqualTo("mta-sts.enforce.not-offered DENIED");
            assertThat(d(r, "mx.a.test", REFUSED)).isEqualTo("mta-sts.enforce.refused DENIED");
            assertThat(d(r, "mx.a.test", HANDSHAKE)).isEqualTo("mta-sts.enforce.handshake DENIED");
            assertThat(d(r, "mx.a.test", PLAIN)).isEqualTo("mta-sts.enforce.plain DENIED");
            assertThat(d(r, "mx.other.test", VERIFIED)).isEqualTo("mta-sts.enforce.mx-mismatch DENIED");
            TlsDecision host = TlsPolicy.host(r, "mx.other.test");
            assertThat(host.verdict()).isEqualTo(Verdict.DENIED);
            assertThat(host.rule()).isEqualTo("mta-sts.enforce.mx-mismatch");
            assertThat(host.detail()).contains("mx.other.test", "*.a.test");
            assertThat(host.policyId()).isEqualTo("id1");
            assertThat(TlsPolicy.host(r, "mx.a.test").verdict()).isEqualTo(Verdict.ALLOWED);
        }
    }

    @Test
    void testingDeliversAndRecordsTheFailureButKeepsTheConfiguredStrictness() {
        TlsRequirement r = TlsRequirement.withSts(TlsMode.OPPORTUNISTIC, "t1", policy(StsMode.TESTING, "mx.a.test"));
        assertThat(d(r, "mx.a.test", VERIFIED)).isEqualTo("mta-sts.testing.ok ALLOWED");
        assertThat(d(r, "mx.a.test", UNVERIFIED)).isEqualTo("mta-sts.testing.unverified ALLOWED_WITH_FAILURE");
        assertThat(d(r, "mx.a.test", NOT_OFFERED)).isEqualTo("mta-sts.testing.not-offered ALLOWED_WITH_FAILURE");
        assertThat(d(r, "mx.a.test", HANDSHAKE)).isEqualTo("mta-sts.testing.handshake RETRY_PLAIN");
        assertThat(d(r, "mx.b.test", VERIFIED)).isEqualTo("mta-sts.testing.mx-mismatch ALLOWED_WITH_FAILURE");
        assertThat(TlsPolicy.host(r, "mx.b.test").verdict()).isEqualTo(Verdict.ALLOWED_WITH_FAILURE);
        // a stricter configured mode still refuses
        TlsRequirement strict = TlsRequirement.withSts(TlsMode.VERIFY, "t1", policy(StsMode.TESTING, "mx.a.test"));
        assertThat(d(strict, "mx.a.test", UNVERIFIED)).isEqualTo("tls.verify.unverified DENIED");
        // mode none is upgraded to opportunistic by a testing policy
        TlsRequirement none = TlsRequirement.withSts(TlsMode.NONE, "t1", policy(StsMode.TESTING, "mx.a.test"));
        assertThat(none.startTls()).isTrue();
        assertThat(d(none, "mx.a.test", NOT_OFFERED)).isEqualTo("mta-sts.testing.not-offered ALLOWED_WITH_FAILURE");
    }

    @Test
    void policyModeNoneIsNoPolicy() {
        TlsRequirement r = TlsRequirement.withSts(TlsMode.NONE, "n1", new StsPolicy(StsMode.NONE, List.of(), Duration.ofDays(1)));
        assertThat(r.startTls()).isFalse();
        TlsDecision dec = TlsPolicy.session(r, "mx.x.test", new TlsResult.NotAttempted("mode none"));
        assertThat(dec.rule()).isEqualTo("tls.none");
        assertThat(dec.policyId()).isEqualTo("n1");
    }
}
