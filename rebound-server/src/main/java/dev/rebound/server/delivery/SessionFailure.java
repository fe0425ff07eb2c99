package dev.rebound.server.delivery;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.TlsDecision;
import dev.rebound.core.tls.TlsResult;

/**
 * A session could not be opened or kept: the reply that decided (received or synthesised) and whether the
 * next MX host should be tried (RFC 5321 §5.1: transient failures of one host move on to the next). A failed
 * STARTTLS handshake carries its {@link TlsResult}; a host refused by the TLS policy carries the decision.
 */
final class SessionFailure extends Exception {
    final SmtpPhase phase;
    final SmtpReply reply;
    final boolean local;
    final boolean tryNextHost;
    /** The handshake's result when STARTTLS failed, else null. */
    final TlsResult tls;
    /** The TLS decision that refused the host, or that applied to the failed session; null when none was taken. */
    final TlsDecision decision;

    SessionFailure(SmtpPhase phase, SmtpReply reply, boolean local, boolean tryNextHost) {
        this(phase, reply, local, tryNextHost, null, null);
    }

    SessionFailure(SmtpPhase phase, SmtpReply reply, boolean local, boolean tryNextHost, TlsResult tls) {
        this(phase, reply, local, tryNextHost, tls, null);
    }

    SessionFailure(SmtpPhase phase, SmtpReply reply, boolean local, boolean tryNextHost, TlsResult tls, TlsDecision decision) {
        super(reply.toString(), null, false, false);
        this.phase = phase;
        this.reply = reply;
        this.local = local;
        this.tryNextHost = tryNextHost;
        this.tls = tls;
        this.decision = decision;
    }

    /** The same failure with the TLS decision that applied to it. */
    SessionFailure with(TlsDecision d) {
        return new SessionFailure(phase, reply, local, tryNextHost, tls, d);
    }
}
