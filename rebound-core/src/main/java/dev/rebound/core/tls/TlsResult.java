package dev.rebound.core.tls;

/**
 * What happened to TLS on one SMTP connection (RFC 3207), as the client observed it. The certificate is always
 * checked (PKIX chain to a trusted root and the MX host name, RFC 6125) so the decision can tell
 * {@link Verified} from {@link Unverified} whatever the mode.
 */
public sealed interface TlsResult {
    /** STARTTLS was not tried: the mode is none, or this is the plain-text retry after a failed handshake. */
    record NotAttempted(String why) implements TlsResult {}

    /** The server's EHLO did not offer STARTTLS. */
    record NotOffered() implements TlsResult {}

    /** The server answered STARTTLS with something other than 220. */
    record Refused(String reply) implements TlsResult {}

    /** The TLS handshake failed (the connection is unusable). */
    record HandshakeFailed(String detail) implements TlsResult {}

    /** TLS is up, but the certificate does not chain to a trusted root or does not name the host. */
    record Unverified(String protocol, String detail) implements TlsResult {}

    /** TLS is up with a certificate that chains to a trusted root and names the host. */
    record Verified(String protocol) implements TlsResult {}

    /** A short description for evidence, e.g. {@code "TLSv1.3 verified"}, {@code "STARTTLS not offered"}. */
    default String describe() {
        return switch (this) {
            case NotAttempted n -> "plain text (" + n.why() + ")";
            case NotOffered n -> "STARTTLS not offered";
            case Refused r -> "STARTTLS refused: " + r.reply();
            case HandshakeFailed h -> "TLS handshake failed: " + h.detail();
            case Unverified u -> u.protocol() + " unverified: " + u.detail();
            case Verified v -> v.protocol() + " verified";
        };
    }

    /** True when the connection is encrypted. */
    default boolean encrypted() {
        return this instanceof Unverified || this instanceof Verified;
    }
}
