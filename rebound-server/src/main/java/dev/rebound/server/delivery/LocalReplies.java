package dev.rebound.server.delivery;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.TlsDecision;
import java.time.Duration;

/**
 * Every reply Rebound synthesises itself when no SMTP server gave one, in one table with its RFC 3463
 * enhanced code (the codes Postfix uses for the same situations). The text says what happened and, where
 * useful, what to check.
 *
 * <pre>
 * situation                                   reply
 * NXDOMAIN for the recipient domain           550 5.1.2 hostunknown
 * no MX and no A/AAAA (NODATA both)           550 5.1.2
 * null MX (RFC 7505)                          556 5.1.10
 * every MX host name has no address           550 5.4.4
 * SERVFAIL / DNS timeout                      451 4.4.3
 * connection refused / unreachable            421 4.4.1
 * connect, reply or data-block write timeout  421 4.4.2
 * connection lost mid-dialogue                421 4.4.2
 * malformed reply from the server             421 4.5.0
 * STARTTLS handshake failed                   421 4.7.5
 * TLS required (require/verify/MTA-STS), but   451 4.7.4 (RFC 3463 X.7.4 security features not supported;
 *   STARTTLS not offered or refused                      Postfix: "TLS is required, but was not offered")
 * TLS required with a verified certificate,    451 4.7.5 (RFC 3463 X.7.5 cryptographic failure;
 *   certificate not trusted / not for the host           Postfix: "Server certificate not verified")
 * MX host not allowed by an MTA-STS policy     451 4.7.5 (RFC 8461 §4.1: the host fails policy validation)
 *   in enforce mode
 * message larger than the server's SIZE       552 5.3.4
 * non-ASCII address, server lacks SMTPUTF8   553 5.6.7 (RFC 6531 §3.2)
 * bad address syntax (CR, LF, &lt;, &gt;, ...)     553 5.1.3 (recipient) / 553 5.1.7 (sender)
 * </pre>
 */
final class LocalReplies {
    private LocalReplies() {}

    static SmtpReply hostUnknown(String domain) {
        return SmtpReply.of(550, "5.1.2 domain " + domain + " does not exist (DNS NXDOMAIN); check the address");
    }

    static SmtpReply noMailHost(String domain) {
        return SmtpReply.of(550, "5.1.2 domain " + domain + " has no MX and no A/AAAA record");
    }

    static SmtpReply nullMx(String domain) {
        return SmtpReply.of(556, "5.1.10 domain " + domain + " does not accept mail (null MX, RFC 7505)");
    }

    static SmtpReply mxHostsUnresolvable(String domain, String hosts) {
        return SmtpReply.of(550, "5.4.4 no address for any MX host of " + domain + " (" + hosts + ")");
    }

    static SmtpReply dnsTemporary(String name, String detail) {
        return SmtpReply.of(451, "4.4.3 DNS lookup of " + name + " failed temporarily: " + detail);
    }

    static SmtpReply connectFailed(String target, String detail) {
        return SmtpReply.of(421, "4.4.1 cannot connect to " + target + ": " + detail);
    }

    static SmtpReply timeout(String target, SmtpPhase phase, Duration after) {
        return SmtpReply.of(421, "4.4.2 " + target + " did not answer within " + after.toMillis() + " ms ("
                + phase.name().toLowerCase() + " phase)");
    }

    static SmtpReply writeTimeout(String target, SmtpPhase phase, Duration after) {
        return SmtpReply.of(421, "4.4.2 " + target + " did not accept data for " + after.toMillis() + " ms ("
                + phase.name().toLowerCase() + " phase)");
    }

    static SmtpReply connectionLost(String target, SmtpPhase phase, String detail) {
        return SmtpReply.of(421, "4.4.2 connection to " + target + " lost in the " + phase.name().toLowerCase()
                + " phase: " + detail);
    }

    static SmtpReply protocolError(String target, String detail) {
        return SmtpReply.of(421, "4.5.0 malformed reply from " + target + ": " + detail);
    }

    static SmtpReply tlsFailed(String target, String detail) {
        return SmtpReply.of(421, "4.7.5 STARTTLS handshake with " + target + " failed: " + detail);
    }

    /**
     * A host the TLS policy refused (a {@code DENIED} decision): always temporary, so the next MX is tried and the
     * retry policy comes back later (RFC 8461 §5.1: never fail permanently before the policy was checked again).
     * The text names the host, what TLS did, the rule and the MTA-STS policy id.
     */
    static SmtpReply tlsRefused(String target, TlsDecision d) {
        String rule = d.rule();
        String why = rule.substring(rule.lastIndexOf('.') + 1);
        String ref = " [" + rule + (d.policyId().isEmpty() ? "" : ", MTA-STS policy id " + d.policyId()) + "]";
        return switch (why) {
            case "handshake" -> SmtpReply.of(421, "4.7.5 STARTTLS handshake with " + target + " failed: " + strip(d.tls()) + ref);
            case "unverified" -> SmtpReply.of(451, "4.7.5 certificate of " + target + " not verified (" + strip(d.tls()) + "); "
                    + d.detail() + ref);
            case "mx-mismatch" -> SmtpReply.of(451, "4.7.5 " + d.detail() + "; not delivering to " + target + ref);
            case "refused" -> SmtpReply.of(451, "4.7.4 TLS is required, but " + target + " refused it (" + strip(d.tls()) + ")" + ref);
            default -> SmtpReply.of(451, "4.7.4 TLS is required, but was not offered by " + target + "; " + d.detail() + ref);
        };
    }

    /** Keeps a detail on one reply line (RFC 5321 §4.5.3.1.5: 512 octets per reply line is what MTAs expect). */
    private static String strip(String s) {
        String one = s.replace('\r', ' ').replace('\n', ' ');
        return one.length() > 300 ? one.substring(0, 300) + "..." : one;
    }

    static SmtpReply tooBig(String target, long size, long max) {
        return SmtpReply.of(552, "5.3.4 message of " + size + " bytes exceeds the " + max + " bytes " + target
                + " accepts (SIZE)");
    }

    static SmtpReply needsSmtpUtf8(String target, String address) {
        return SmtpReply.of(553, "5.6.7 \"" + printable(address) + "\" needs SMTPUTF8, which " + target + " does not offer");
    }

    static SmtpReply badRecipient(String address) {
        return SmtpReply.of(553, "5.1.3 recipient address has invalid characters: \"" + printable(address) + "\"");
    }

    static SmtpReply badSender(String address) {
        return SmtpReply.of(553, "5.1.7 sender address has invalid characters: \"" + printable(address) + "\"");
    }

    private static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
