package dev.rebound.server.delivery;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;

/**
 * A session could not be opened or kept: the reply that decided (received or synthesised) and whether the
 * next MX host should be tried (RFC 5321 §5.1: transient failures of one host move on to the next).
 */
final class SessionFailure extends Exception {
    final SmtpPhase phase;
    final SmtpReply reply;
    final boolean local;
    final boolean tryNextHost;

    SessionFailure(SmtpPhase phase, SmtpReply reply, boolean local, boolean tryNextHost) {
        super(reply.toString(), null, false, false);
        this.phase = phase;
        this.reply = reply;
        this.local = local;
        this.tryNextHost = tryNextHost;
    }
}
