package dev.rebound.server.smtp;

import dev.rebound.server.config.IpNetwork;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.intake.Addresses;
import dev.rebound.server.intake.BounceSink;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.StoreUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.time.Clock;
import java.util.concurrent.Executors;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.internal.server.RequireAuthCommandWrapper;
import org.subethamail.smtp.internal.server.RequireTLSCommandWrapper;
import org.subethamail.smtp.server.SMTPServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP submission listener (RFC 5321 server side, SubEthaSMTP on virtual threads).
 *
 * <ul>
 *   <li>Relay for clients in {@code smtp.relay-networks}, and for sessions authenticated with AUTH PLAIN/LOGIN
 *       after STARTTLS ({@link SmtpAuth}, when {@code smtp.tls.*} and {@code smtp.auth.users} are set) from any
 *       address: others get {@code 554 5.7.1} at RCPT.</li>
 *   <li>The {@code 250} after DATA is written by SubEthaSMTP when {@link MessageHandler#data} returns, and data()
 *       returns only after the store committed: never acknowledge what is not durable.</li>
 *   <li>SMTP smuggling: DATA must use CRLF only. A bare CR or LF anywhere in the data is refused with
 *       {@code 521 5.5.2} and the connection closed, after reading to the final dot (as chasquid does), so a
 *       smuggled second message can never be relayed by us.</li>
 *   <li>Size: more than {@code smtp.max-message-size} octets gives {@code 552 5.3.4} (RFC 3463 X.3.4).</li>
 * </ul>
 * Every decision reply comes from {@link ListenerReply}.
 */
public final class SmtpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpListener.class);

    private final ReboundConfig.Smtp config;
    private final MessageIntake intake;
    private final BounceSink bounces;
    private final ListenerGate gate;
    private final SMTPServer server;

    /**
     * @param bounces where mail to the bounce addresses goes; null when {@code bounces.domain} is not set
     * @param clock   the clock of the AUTH failure windows and the verified-password cache (connection and data
     *                timeouts run on the monotonic {@link System#nanoTime})
     */
    public SmtpListener(ReboundConfig.Smtp config, MessageIntake intake, BounceSink bounces, Clock clock) {
        this.config = config;
        this.intake = intake;
        this.bounces = bounces;
        this.gate = new ListenerGate(config, System::nanoTime);
        ReboundConfig.SmtpLimits limits = config.limits();
        try {
            SMTPServer.Builder b = SMTPServer.port(config.listen().port())
                    .bindAddress(InetAddress.getByName(config.listen().host()))
                    .hostName(config.hostname())
                    .softwareName("Rebound")
                    .executorService(Executors.newVirtualThreadPerTaskExecutor())
                    .insertReceivedHeaders(false)
                    .maxRecipients(-1)
                    // ListenerGate decides admission; SubEthaSMTP's own cap (which stops accepting, and answers
                    // without an enhanced code) is set well above ours so that it never decides.
                    .maxConnections(limits.maxConnections() * 2 + 100)
                    .connectionTimeoutMs((int) limits.idleTimeout().toMillis())
                    .sessionHandler(gate)
                    .messageHandlerFactory(Session::new);
            if (config.tls().isPresent()) b.enableTLS(true).startTlsSocketFactory(ListenerTls.context(config.tls().get()));
            if (!config.authUsers().isEmpty()) b.authenticationHandlerFactory(new SmtpAuth(config.authUsers(), config.authLimits(), clock, gate));
            this.server = b.build();
            CommandHandler commands = server.getCommandHandler();
            // DATA read in blocks rather than byte by byte, behind the same TLS/AUTH requirements as the stock command.
            commands.addCommand(new RequireTLSCommandWrapper(new RequireAuthCommandWrapper(new BulkDataCommand())));
            // BDAT likewise, and both end the mail transaction after a refused message too.
            commands.addCommand(new RequireTLSCommandWrapper(new RequireAuthCommandWrapper(new ChunkedDataCommand())));
            // STARTTLS that keeps the session's limits over TLS; EHLO with STARTTLS only before TLS, AUTH only after.
            commands.addCommand(new ListenerStartTls());
            if (config.tls().isPresent()) commands.addCommand(new ListenerEhlo());
            // Every command under the session's limits (session time, junk commands, idle and data clocks).
            for (String verb : Set.copyOf(commands.getVerbs())) commands.addCommand(new GuardedCommand(commands.getCommand(verb), gate));
        } catch (IOException e) {
            throw new IllegalStateException("smtp.listen " + config.listen() + ": cannot resolve the bind address: " + e.getMessage(), e);
        }
    }

    public void start() {
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Session implements MessageHandler {
        private final MessageContext context;
        private final SessionGuard guard;
        private final boolean relay;
        private String mailFrom = "";
        private final List<String> recipients = new ArrayList<>();
        private final List<String> bounceRecipients = new ArrayList<>();

        Session(MessageContext context) {
            this.context = context;
            this.guard = gate.guard(context);
            // Created at MAIL, after any AUTH: an authenticated session relays from any address; the relay-network
            // check was made at connect.
            this.relay = context.getAuthenticationHandler().isPresent() || guard != null && guard.relay();
        }

        @Override
        public void from(String from) throws RejectException {
            // A store that cannot commit (disk full, I/O error) refuses the transaction before the client sends the
            // data; the commit at DATA still decides for transactions already under way.
            if (!intake.storeWritable()) throw reject(ListenerReply.STORE_UNAVAILABLE);
            String f = from == null ? "" : from.strip();
            if (!f.isEmpty() && Addresses.addrSpec(f).isEmpty()) throw reject(ListenerReply.BAD_SENDER, f);
            mailFrom = f;
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            String r = recipient == null ? "" : recipient.strip();
            if (bounces != null && bounces.isBounceAddress(r)) {
                // Bounces come from any MTA: accepted from every client, never relayed, one kind per transaction.
                if (!recipients.isEmpty()) throw reject(ListenerReply.BOUNCE_NOT_MIXED, r);
                if (bounceRecipients.size() >= config.maxRecipients()) throw reject(ListenerReply.TOO_MANY_RECIPIENTS, config.maxRecipients());
                if (bounceRecipients.stream().noneMatch(x -> x.equalsIgnoreCase(r))) bounceRecipients.add(r);
                return;
            }
            if (!relay) throw reject(config.authUsers().isEmpty() ? ListenerReply.RELAY_DENIED : ListenerReply.RELAY_DENIED_AUTH, hostOf(context.getRemoteAddress()));
            if (!bounceRecipients.isEmpty()) throw reject(ListenerReply.BOUNCE_NOT_MIXED, bounceRecipients.getFirst());
            if (Addresses.addrSpec(r).isEmpty()) throw reject(ListenerReply.BAD_RECIPIENT, r);
            if (recipients.size() >= config.maxRecipients()) throw reject(ListenerReply.TOO_MANY_RECIPIENTS, config.maxRecipients());
            if (recipients.stream().noneMatch(x -> x.equalsIgnoreCase(r))) recipients.add(r);
        }

        @Override
        public String data(InputStream data) throws RejectException, IOException {
            int max = config.maxMessageSize();
            ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
            byte[] buf = new byte[8192];
            long total = 0;
            boolean bareLineEnding = false;
            int prev = -1;
            int n;
            while ((n = data.read(buf)) > 0) {
                for (int i = 0; i < n && !bareLineEnding; i++) {
                    int b = buf[i] & 0xff;
                    if (b == '\n' && prev != '\r') bareLineEnding = true;
                    if (prev == '\r' && b != '\n') bareLineEnding = true;
                    prev = b;
                }
                if (total + n <= max) out.write(buf, 0, n);
                total += n;
            }
            if (prev == '\r') bareLineEnding = true;
            if (bareLineEnding) {
                log.warn("refused DATA with a bare CR or LF from {} (SMTP smuggling guard)", context.getRemoteAddress());
                throw new DropConnectionException(ListenerReply.BARE_LINE_ENDING.code(), ListenerReply.BARE_LINE_ENDING.text());
            }
            if (total > max) throw reject(ListenerReply.MESSAGE_TOO_BIG, max);
            if (!bounceRecipients.isEmpty()) {
                String summary;
                try {
                    summary = bounces.receive(mailFrom, List.copyOf(bounceRecipients), out.toByteArray());
                } catch (StoreUnavailableException e) {
                    log.warn("store unavailable, bounce from {} refused with 451: {}", context.getRemoteAddress(), e.getMessage());
                    throw reject(ListenerReply.STORE_UNAVAILABLE);
                } catch (RuntimeException e) {
                    log.error("could not store a bounce from {}: {}", context.getRemoteAddress(), e.getMessage(), e);
                    throw reject(ListenerReply.STORE_UNAVAILABLE);
                }
                if (guard != null) guard.messageAccepted();
                return ListenerReply.BOUNCE_ACCEPTED.text(summary);
            }
            if (recipients.isEmpty()) throw reject(ListenerReply.NO_RECIPIENTS);
            byte[] raw = out.toByteArray();
            AcceptResult result;
            try {
                result = intake.accept(new NewMessage("transactional", mailFrom, recipients, raw,
                        MessageIntake.headerMessageId(raw), "smtp", Optional.empty(), ""));
            } catch (StoreUnavailableException e) {
                log.warn("store unavailable, message from {} refused with 451: {}", context.getRemoteAddress(), e.getMessage());
                throw reject(ListenerReply.STORE_UNAVAILABLE);
            } catch (RuntimeException e) {
                log.error("store refused a message from {}: {}", context.getRemoteAddress(), e.getMessage(), e);
                throw reject(ListenerReply.STORE_UNAVAILABLE);
            }
            if (!(result instanceof AcceptResult.Created created)) throw reject(ListenerReply.STORE_UNAVAILABLE);
            if (guard != null) guard.messageAccepted();
            // SubEthaSMTP writes "250 " + this text now that the commit is done.
            return ListenerReply.ACCEPTED.text(created.receipt().messageId());
        }

        @Override
        public void done() {
            // nothing held per transaction beyond this object
        }
    }

    private static RejectException reject(ListenerReply reply, Object... args) {
        return new RejectException(reply.code(), reply.text(args));
    }

    private static String hostOf(SocketAddress a) {
        return a instanceof InetSocketAddress isa && isa.getAddress() != null ? isa.getAddress().getHostAddress() : String.valueOf(a).toLowerCase(Locale.ROOT);
    }
}
