package dev.rebound.server.evidence;

import dev.rebound.core.events.CertificateSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SNS signing certificate for a {@code SigningCertURL} the core verifier has already checked (https,
 * {@code sns.<region>.amazonaws.com}, {@code /SimpleNotificationService-<hex>.pem}): fetched over HTTPS (JDK trust
 * store, host name verified), parsed as X.509, checked against its validity period with the real clock on every
 * use, and cached per URL (SNS rotates certificates by publishing a new URL, so a URL's content does not change).
 * A failed fetch is not cached, so the next request tries again; at most {@value #MAX_ENTRIES} URLs are kept.
 */
public final class HttpsCertificateSource implements CertificateSource {
    private static final Logger log = LoggerFactory.getLogger(HttpsCertificateSource.class);
    static final int MAX_ENTRIES = 64;
    private static final int MAX_PEM_BYTES = 64 * 1024;

    /** Fetches the bytes at a URL (the server: HTTPS GET; tests: a map). */
    @FunctionalInterface
    public interface Fetcher {
        byte[] fetch(URI url) throws IOException;
    }

    private final Fetcher fetcher;
    private final Clock clock;
    private final ConcurrentHashMap<String, X509Certificate> cache = new ConcurrentHashMap<>();

    /** @param clock the real clock in production: certificate validity is checked against it */
    public HttpsCertificateSource(Fetcher fetcher, Clock clock) {
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /** Fetches with the JDK HTTP client: HTTPS only, 10 s timeouts, no redirects, at most 64 KiB. */
    public static HttpsCertificateSource overHttps(Clock clock) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        return new HttpsCertificateSource(url -> {
            if (!"https".equals(url.getScheme())) throw new IOException("refusing to fetch a certificate over " + url.getScheme());
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) throw new IOException("GET " + url + " answered " + r.statusCode());
                if (r.body().length > MAX_PEM_BYTES) throw new IOException("GET " + url + " returned " + r.body().length + " bytes, more than a certificate");
                return r.body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + url, e);
            }
        }, clock);
    }

    @Override
    public Optional<X509Certificate> certificate(String signingCertUrl) {
        X509Certificate cert = cache.get(signingCertUrl);
        if (cert == null) {
            try {
                byte[] pem = fetcher.fetch(URI.create(signingCertUrl));
                cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
            } catch (IOException | CertificateException | IllegalArgumentException | ClassCastException e) {
                log.warn("cannot get the SNS signing certificate {}: {}", signingCertUrl, e.getMessage());
                return Optional.empty();
            }
            if (cache.size() >= MAX_ENTRIES) cache.clear();
            cache.put(signingCertUrl, cert);
        }
        try {
            cert.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            log.warn("the SNS signing certificate {} is not valid now: {}", signingCertUrl, e.getMessage());
            return Optional.empty();
        }
        return Optional.of(cert);
    }

    /** URLs cached (tests). */
    int cached() {
        return cache.size();
    }
}
