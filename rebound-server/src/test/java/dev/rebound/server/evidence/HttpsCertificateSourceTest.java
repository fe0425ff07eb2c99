package dev.rebound.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cache and validity of the server's SNS certificate source, with the fetcher injected (no network). */
class HttpsCertificateSourceTest {
    final byte[] pem = ProviderFixtures.bytes("ses/sns-test-signing-cert.pem"); // valid 2026-01-01 .. 2036-01-01
    final List<URI> fetched = new ArrayList<>();

    private HttpsCertificateSource source(Instant now) {
        return new HttpsCertificateSource(url -> {
            fetched.add(url);
            return pem;
        }, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void fetchesOnce_thenServesFromCache() {
        HttpsCertificateSource s = source(Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(s.certificate(ProviderFixtures.CERT_URL)).isPresent();
        assertThat(s.certificate(ProviderFixtures.CERT_URL)).isPresent();
        assertThat(fetched).containsExactly(URI.create(ProviderFixtures.CERT_URL));
        assertThat(s.cached()).isEqualTo(1);
    }

    @Test
    void outsideItsValidityPeriod_theCertificateIsRefused() {
        assertThat(source(Instant.parse("2025-12-31T23:59:59Z")).certificate(ProviderFixtures.CERT_URL)).isEmpty();
        assertThat(source(Instant.parse("2036-01-01T00:00:01Z")).certificate(ProviderFixtures.CERT_URL)).isEmpty();
    }

    @Test
    void fetchFailuresAndGarbage_areEmpty_andNotCached() {
        int[] calls = {0};
        HttpsCertificateSource failing = new HttpsCertificateSource(url -> {
            calls[0]++;
            throw new IOException("connection refused");
        }, Clock.systemUTC());
        assertThat(failing.certificate(ProviderFixtures.CERT_URL)).isEmpty();
        assertThat(failing.certificate(ProviderFixtures.CERT_URL)).isEmpty();
        assertThat(calls[0]).isEqualTo(2);
        HttpsCertificateSource garbage = new HttpsCertificateSource(url -> "not a certificate".getBytes(), Clock.systemUTC());
        assertThat(garbage.certificate(ProviderFixtures.CERT_URL)).isEmpty();
        assertThat(garbage.cached()).isZero();
    }

    @Test
    void overHttps_refusesPlainHttp_withoutConnecting() {
        assertThat(HttpsCertificateSource.overHttps(Clock.systemUTC()).certificate("http://127.0.0.1:1/x.pem")).isEmpty();
    }
}
