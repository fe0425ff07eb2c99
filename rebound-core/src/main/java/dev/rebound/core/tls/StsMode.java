package dev.rebound.core.tls;

/** The {@code mode} of an MTA-STS policy (RFC 8461 §5). */
public enum StsMode {
    /** Deliver only to matching MX hosts over TLS with a verified certificate. */
    ENFORCE,
    /** Deliver anyway; a validation failure is only reported (RFC 8460 TLSRPT) — here recorded on the attempt. */
    TESTING,
    /** The domain has withdrawn its policy: treat it as having none. */
    NONE
}
