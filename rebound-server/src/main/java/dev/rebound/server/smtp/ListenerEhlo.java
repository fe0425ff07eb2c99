package dev.rebound.server.smtp;

import java.io.IOException;
import java.util.List;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * EHLO (RFC 5321 §4.1.1.1) with the capabilities this session may use, replacing SubEthaSMTP's command when
 * STARTTLS is configured: STARTTLS only before TLS (RFC 3207 §4.2: a server MUST NOT offer it again after the
 * handshake), AUTH only after TLS (RFC 4954 §4, so no password is sent in clear). SubEthaSMTP 7.2's own EHLO shows
 * STARTTLS after TLS and AUTH before it unless {@code requireTLS}, which would force TLS on relay-network clients.
 * The other lines are the library's (8BITMIME, SIZE when set, CHUNKING, SMTPUTF8).
 */
final class ListenerEhlo extends BaseCommand {
    ListenerEhlo() {
        super("EHLO", "Introduce yourself.", "<hostname>");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        String[] args = getArgs(commandString);
        if (args.length < 2) {
            session.sendResponse(ListenerReply.EHLO_SYNTAX.line());
            return;
        }
        session.resetMailTransaction();
        session.setHelo(args[1]);
        SMTPServer server = session.getServer();
        StringBuilder r = new StringBuilder("250-").append(server.getHostName()).append("\r\n250-8BITMIME");
        if (server.getMaxMessageSize() > 0) r.append("\r\n250-SIZE ").append(server.getMaxMessageSize());
        boolean tls = session.isTLSStarted();
        if (server.getEnableTLS() && !server.getHideTLS() && !tls) r.append("\r\n250-STARTTLS");
        r.append("\r\n250-CHUNKING\r\n250-SMTPUTF8");
        if (tls) {
            List<String> mechanisms = server.getAuthenticationHandlerFactory().map(AuthenticationHandlerFactory::getAuthenticationMechanisms).orElse(List.of());
            if (!mechanisms.isEmpty()) r.append("\r\n250-AUTH ").append(String.join(" ", mechanisms));
        }
        r.append("\r\n250 Ok");
        session.sendResponse(r.toString());
    }
}
