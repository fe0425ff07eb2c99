package dev.rebound.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The MTA-STS cache decisions (RFC 8461 §3.3, §5.1) on a passed-in clock. */
class StsDiscoveryTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final Duration BACKOFF = Duration.ofMinutes(5);
    private static final StsPolicy ENFORCE = new StsPolicy(StsMode.ENFORCE, List.of(new MxPattern("mx.a.test")), Duration.ofHours(1));
    private static final StsDiscovery.Cached CACHED = new StsDiscovery.Cached("v1", ENFORCE, T0);

    private static StsDiscovery.Step next(Optional<StsDiscovery.Cached> c, StsRecord txt, Optional<StsDiscovery.FailedFetch> f, Instant now) {
        return StsDiscovery.next(c, txt, f, BACKOFF, now);
    }

    @Test
    void sameIdWithinMaxAgeUsesTheCacheAfterMaxAgeFetches() {
        assertThat(next(Optional.of(CACHED), new StsRecord.Found("v1"), Optional.empty(), T0.plusSeconds(3599)))
                .isInstanceOfSatisfying(StsDiscovery.Use.class, u -> assertThat(u.rule()).isEqualTo("sts.cache.same-id"));
        assertThat(next(Optional.of(CACHED), new StsRecord.Found("v1"), Optional.empty(), T0.plusSeconds(3600)))
                .isEqualTo(new StsDiscovery.Fetch("v1", "sts.fetch", "the cached policy v1 expired"));
        assertThat(next(Optional.empty(), new StsRecord.Found("v1"), Optional.empty(), T0))
                .isEqualTo(new StsDiscovery.Fetch("v1", "sts.fetch", "no cached policy"));
    }

    @Test
    void aNewIdFetchesAtOnce() {
        assertThat(next(Optional.of(CACHED), new StsRecord.Found("v2"), Optional.empty(), T0.plusSeconds(10)))
                .isEqualTo(new StsDiscovery.Fetch("v2", "sts.fetch", "the policy id changed from v1 to v2"));
    }

    @Test
    void aMissingRecordKeepsAFreshCachedPolicy() {
        StsRecord none = new StsRecord.NotFound("NXDOMAIN");
        assertThat(next(Optional.of(CACHED), none, Optional.empty(), T0.plusSeconds(10)))
                .isInstanceOfSatisfying(StsDiscovery.Use.class, u -> assertThat(u.rule()).isEqualTo("sts.cache.no-record"));
        assertThat(next(Optional.of(CACHED), none, Optional.empty(), T0.plusSeconds(3600)))
                .isEqualTo(new StsDiscovery.NoPolicy("sts.none.no-record", "NXDOMAIN"));
    }

    @Test
    void aFailedFetchIsNotRepeatedWithinTheBackoff() {
        var failure = Optional.of(new StsDiscovery.FailedFetch("v2", T0, "HTTP 404"));
        assertThat(next(Optional.empty(), new StsRecord.Found("v2"), failure, T0.plusSeconds(60)))
                .isInstanceOfSatisfying(StsDiscovery.NoPolicy.class, n -> assertThat(n.rule()).isEqualTo("sts.none.fetch-failed"));
        assertThat(next(Optional.of(CACHED), new StsRecord.Found("v2"), failure, T0.plusSeconds(60)))
                .isInstanceOfSatisfying(StsDiscovery.Use.class, u -> assertThat(u.policy()).isEqualTo(CACHED));
        assertThat(next(Optional.empty(), new StsRecord.Found("v2"), failure, T0.plus(BACKOFF)))
                .isInstanceOf(StsDiscovery.Fetch.class);
        assertThat(next(Optional.empty(), new StsRecord.Found("v3"), failure, T0.plusSeconds(60)))
                .isInstanceOf(StsDiscovery.Fetch.class);
    }

    @Test
    void afterFetch() {
        assertThat(StsDiscovery.afterFetch(Optional.empty(), "v2", new StsPolicy.Valid(ENFORCE), T0))
                .isEqualTo(new StsDiscovery.Use(new StsDiscovery.Cached("v2", ENFORCE, T0), "sts.fetched", "fetched policy v2"));
        assertThat(StsDiscovery.afterFetch(Optional.of(CACHED), "v2", new StsPolicy.Invalid("HTTP 500"), T0.plusSeconds(5)))
                .isInstanceOfSatisfying(StsDiscovery.Use.class, u -> {
                    assertThat(u.policy()).isEqualTo(CACHED);
                    assertThat(u.why()).contains("HTTP 500");
                });
        assertThat(StsDiscovery.afterFetch(Optional.of(CACHED), "v2", new StsPolicy.Invalid("HTTP 500"), T0.plusSeconds(3600)))
                .isInstanceOf(StsDiscovery.NoPolicy.class);
    }
}
