package dev.rebound.server.smtp;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * STARTTLS (RFC 3207), replacing SubEthaSMTP 7.2's command so the TLS socket is layered on the accepted socket and
 * then wrapped in the session's {@link GuardedSocket} again: the listener's limits time the reads over TLS as
 * before it. After the handshake the session starts over (RFC 3207 §4.2: the server discards what it knew from
 * the client, EHLO included), and any plain-text input the client sent after the command is dropped with the old
 * streams (a command injected before the handshake is never run, the STARTTLS injection of CVE-2011-0411). A
 * failed handshake closes the connection.
 */
final class ListenerStartTls extends BaseCommand {
    private static final Logger log = LoggerFactory.getLogger(ListenerStartTls.class);

    ListenerStartTls() {
        super("STARTTLS", "Start a TLS session.");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (!commandString.strip().equalsIgnoreCase("STARTTLS")) {
            session.sendResponse(ListenerReply.TLS_SYNTAX.line());
            return;
        }
        if (!session.getServer().getEnableTLS()) {
            session.sendResponse(ListenerReply.TLS_NOT_OFFERED.line());
            return;
        }
        if (session.isTLSStarted()) {
            session.sendResponse(ListenerReply.TLS_ALREADY_ACTIVE.line());
            return;
        }
        Socket current = session.getSocket();
        Socket plain = current instanceof GuardedSocket g ? g.delegate() : current;
        session.sendResponse(ListenerReply.TLS_READY.line());
        SSLSocket tls;
        try {
            tls = session.getServer().createSSLSocket(plain);
            tls.setSoTimeout(Math.max(1, session.getServer().getConnectionTimeout()));
            tls.startHandshake();
        } catch (IOException e) {
            log.info("STARTTLS handshake with {} failed: {}", session.getRemoteAddress(), e.getMessage());
            session.quit();
            return;
        }
        session.setSocket(current instanceof GuardedSocket g ? g.over(tls) : tls);
        session.resetSmtpProtocol();
        session.setTlsStarted(true);
    }
}
