package dev.rebound.core.events;

import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Supplies the SNS signing certificate for a {@code SigningCertURL} that the verifier has already checked
 * (https, host {@code sns.<region>.amazonaws.com}, path {@code /SimpleNotificationService-<hex>.pem}).
 * The server's implementation fetches it over HTTPS, checks its validity period with the real clock and caches it;
 * tests map the URL to a fixture PEM. Returns empty when the certificate cannot be had.
 */
@FunctionalInterface
public interface CertificateSource {
    Optional<X509Certificate> certificate(String signingCertUrl);
}
