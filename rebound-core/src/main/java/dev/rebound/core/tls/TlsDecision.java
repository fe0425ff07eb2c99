package dev.rebound.core.tls;

import java.util.Objects;

/**
 * Whether a mail transaction may go over one connection, and why.
 *
 * @param verdict  what to do
 * @param rule     the rule id that decided (see {@link TlsPolicy})
 * @param detail   what was seen, for the evidence (e.g. "mx.example.net does not match the policy's mx patterns")
 * @param mode     the configured TLS mode of the domain
 * @param policyId the MTA-STS policy id that applied ("" when none)
 * @param tls      what happened to TLS on the connection ({@link TlsResult#describe()}), "" before connecting
 */
public record TlsDecision(Verdict verdict, String rule, String detail, TlsMode mode, String policyId, String tls) {

    /** What the decision allows. */
    public enum Verdict {
        /** Send over this connection. */
        ALLOWED,
        /** Send, but the MTA-STS policy (testing mode) was not met: recorded as a failure to report. */
        ALLOWED_WITH_FAILURE,
        /** Do not send to this host: a temporary failure of the host; the next MX is tried. */
        DENIED,
        /** The handshake failed and plain text is acceptable: reconnect to the same address without STARTTLS. */
        RETRY_PLAIN
    }

    public TlsDecision {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(policyId, "policyId");
        Objects.requireNonNull(tls, "tls");
    }

    /** True when the transaction may be sent. */
    public boolean allowed() {
        return verdict == Verdict.ALLOWED || verdict == Verdict.ALLOWED_WITH_FAILURE;
    }

    /** One line for logs and evidence: {@code rule verdict [policy id] tls: detail}. */
    public String summary() {
        return rule + " " + verdict + (policyId.isEmpty() ? "" : " policy " + policyId) + (tls.isEmpty() ? "" : " (" + tls + ")")
                + (detail.isEmpty() ? "" : ": " + detail);
    }
}
