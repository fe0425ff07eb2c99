package dev.rebound.core.tls;

import java.util.Locale;

/**
 * The configured STARTTLS policy for a destination (RFC 3207), the levels Postfix calls {@code none},
 * {@code may}, {@code encrypt} and {@code verify}.
 */
public enum TlsMode {
    /** Never use STARTTLS. */
    NONE,
    /** STARTTLS when offered, any certificate; a failed handshake is retried once in plain text. */
    OPPORTUNISTIC,
    /** STARTTLS must be offered and succeed, any certificate; otherwise the host is skipped (temporary failure). */
    REQUIRE,
    /**
     * STARTTLS must be offered and succeed with a certificate that chains to a trusted root (PKIX) and names
     * the MX host (RFC 6125 host name check); otherwise the host is skipped (temporary failure).
     */
    VERIFY;

    /** The lower-case name used in configuration. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code none | opportunistic | require | verify} (any case); throws with the input quoted. */
    public static TlsMode parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (TlsMode m : values()) if (m.id().equals(t)) return m;
        throw new IllegalArgumentException("expected one of none, opportunistic, require, verify; got \"" + s + "\"");
    }
}
