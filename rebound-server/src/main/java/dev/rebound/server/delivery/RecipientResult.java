package dev.rebound.server.delivery;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.TlsDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one recipient in one attempt: the reply that decided its fate (the RCPT reply when it was
 * refused there, else the reply to the end of DATA) and where it came from.
 *
 * <p>When no SMTP server answered (DNS failure, null MX, every MX unreachable) the reply is synthesised
 * locally as Postfix does, with RFC 3463 codes: NXDOMAIN {@code 550 5.1.2}, null MX (RFC 7505)
 * {@code 556 5.1.10}, SERVFAIL/DNS timeout {@code 451 4.4.3}, connection refused/unreachable
 * {@code 421 4.4.1}, timeout {@code 421 4.4.2}; {@code local} is then true.
 *
 * @param recipient the envelope recipient
 * @param phase     the phase whose reply decided (RCPT, END_OF_DATA, MAIL, CONNECT, EHLO, NONE for DNS, ...)
 * @param reply     the deciding reply, every line kept
 * @param local     true when the reply was synthesised by Rebound rather than received
 * @param mxHost    the MX host name tried last, or "" when none was reached
 * @param mxAddress the IP address connected to, or ""
 * @param startedAt when the attempt started
 * @param duration  how long the attempt took
 * @param tls       the TLS decision (rule, verdict, MTA-STS policy id, what TLS did) for the connection that
 *                  decided, or the one that refused the last host tried; empty when no MX host was considered
 *                  (DNS failure, a locally refused address)
 */
public record RecipientResult(String recipient, SmtpPhase phase, SmtpReply reply, boolean local,
                              String mxHost, String mxAddress, Instant startedAt, Duration duration,
                              Optional<TlsDecision> tls) {
    public RecipientResult {
        Objects.requireNonNull(tls, "tls");
    }

    /** A result without a TLS decision (no connection was considered). */
    public RecipientResult(String recipient, SmtpPhase phase, SmtpReply reply, boolean local,
                           String mxHost, String mxAddress, Instant startedAt, Duration duration) {
        this(recipient, phase, reply, local, mxHost, mxAddress, startedAt, duration, Optional.empty());
    }
}
