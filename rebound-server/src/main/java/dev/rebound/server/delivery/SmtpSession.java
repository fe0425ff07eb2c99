package dev.rebound.server.delivery;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.tls.TlsResult;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

/**
 * One client SMTP connection to one MX address (RFC 5321), blocking I/O meant for a virtual thread.
 *
 * <p>Opening: connect, read the greeting, EHLO (HELO when EHLO gets a 5xx, RFC 5321 §3.2), STARTTLS when
 * offered and enabled (RFC 3207: the socket is wrapped with {@code SSLSocketFactory.createSocket(socket, host,
 * port, true)} and EHLO is sent again, because the pre-TLS capabilities must be discarded). What happened to TLS
 * is kept as a {@link TlsResult} (the certificate is always checked against the trust anchors and the MX host
 * name, but the handshake is never failed for it: the caller's TLS decision says whether the session may be used).
 *
 * <p>A transaction sends MAIL, every RCPT and DATA. With PIPELINING (RFC 2920) they go out in one write and
 * the replies are read back in order; otherwise each waits for its reply. Each recipient ends with exactly
 * one deciding reply and its phase: its RCPT reply if refused there, else the MAIL, DATA or end-of-DATA
 * reply that ended the transaction, else a synthesised {@code 421 4.4.x} when the connection was lost or
 * timed out. Reply timeouts are per phase (RFC 5321 §4.5.3.2) through {@link Socket#setSoTimeout}; writes
 * are guarded by a watchdog that closes the socket when one block takes longer than the data-block timeout.
 *
 * <p>Not thread-safe: one virtual thread uses a session at a time (the pool hands it out exclusively).
 */
final class SmtpSession implements AutoCloseable {
    private static final int WRITE_BLOCK = 64 * 1024;

    /** The deciding reply for one recipient. */
    record Attributed(String recipient, SmtpPhase phase, SmtpReply reply, boolean local) {}

    /**
     * The transaction's outcome: one entry per recipient in order, or, when the connection failed before any
     * RCPT was answered, {@code tryNextHost} with the failure (then {@code results} carry that failure).
     */
    record TransactionResult(List<Attributed> results, boolean tryNextHost, boolean stale) {
        TransactionResult(List<Attributed> results, boolean tryNextHost) {
            this(results, tryNextHost, false);
        }
    }

    private final String mxHost;
    private final InetSocketAddress address;
    private final DeliveryConfig config;
    private final DeliveryConfig.Timeouts t;
    private final ScheduledExecutorService watchdog;
    private final boolean plaintext;
    private final boolean startTls;
    private final TlsTrust trust;
    private TlsResult tlsResult = new TlsResult.NotAttempted("not connected");
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final Map<String, String> extensions = new LinkedHashMap<>();
    private boolean esmtp;
    private boolean tls;
    private boolean broken;
    private volatile boolean timedOutByWatchdog;
    private int transactions;

    private SmtpSession(String mxHost, InetSocketAddress address, DeliveryConfig config, TlsTrust trust, boolean startTls,
                        ScheduledExecutorService watchdog, boolean plaintext) {
        this.plaintext = plaintext;
        this.startTls = startTls;
        this.trust = trust;
        this.mxHost = mxHost;
        this.address = address;
        this.config = config;
        this.t = config.timeouts();
        this.watchdog = watchdog;
    }

    /**
     * Connects and runs greeting, EHLO/HELO and, when {@code startTls} and the server offers it, STARTTLS (never
     * with {@code plaintext}); throws with the deciding reply otherwise (a failed handshake with
     * {@link SessionFailure#tls} set).
     */
    static SmtpSession open(String mxHost, InetSocketAddress address, DeliveryConfig config, TlsTrust trust,
                            boolean startTls, ScheduledExecutorService watchdog, boolean plaintext) throws SessionFailure {
        SmtpSession s = new SmtpSession(mxHost, address, config, trust, startTls, watchdog, plaintext);
        try {
            s.handshake();
            return s;
        } catch (SessionFailure f) {
            s.closeQuietly();
            throw f;
        }
    }

    String target() {
        return mxHost + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
    }

    String mxHost() {
        return mxHost;
    }

    String mxAddress() {
        return address.getAddress().getHostAddress();
    }

    boolean isTls() {
        return tls;
    }

    /** What happened to TLS on this connection. */
    TlsResult tlsResult() {
        return tlsResult;
    }

    boolean supports(String keyword) {
        return extensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** True while the connection can carry another transaction. */
    boolean usable() {
        return !broken && socket != null && !socket.isClosed();
    }

    int transactions() {
        return transactions;
    }

    private void handshake() throws SessionFailure {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, (int) t.connect().toMillis());
        } catch (SocketTimeoutException e) {
            throw new SessionFailure(SmtpPhase.CONNECT, LocalReplies.timeout(target(), SmtpPhase.CONNECT, t.connect()), true, true);
        } catch (IOException e) {
            throw new SessionFailure(SmtpPhase.CONNECT, LocalReplies.connectFailed(target(), String.valueOf(e.getMessage())), true, true);
        }
        attach(s);
        SmtpReply greeting = expect(SmtpPhase.CONNECT, t.greeting(), null);
        if (!greeting.isPositive()) {
            quit();
            // RFC 5321 §3.1: a 554 greeting means this server will not take mail; 4xx is this host only
            throw new SessionFailure(SmtpPhase.CONNECT, greeting, false, greeting.isTransient());
        }
        hello();
        if (plaintext) tlsResult = new TlsResult.NotAttempted("plain-text retry after a failed TLS handshake");
        else if (!startTls) tlsResult = new TlsResult.NotAttempted("TLS mode none");
        else if (!supports("STARTTLS")) tlsResult = new TlsResult.NotOffered();
        else startTls();
    }

    private void hello() throws SessionFailure {
        SmtpReply ehlo = expect(SmtpPhase.EHLO, t.command(), "EHLO " + config.heloName());
        extensions.clear();
        if (ehlo.isPositive()) {
            esmtp = true;
            for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
                String l = line.trim();
                int sp = l.indexOf(' ');
                extensions.put((sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT), sp < 0 ? "" : l.substring(sp + 1).trim());
            }
            return;
        }
        if (ehlo.isTransient()) {
            quit();
            throw new SessionFailure(SmtpPhase.EHLO, ehlo, false, true);
        }
        SmtpReply helo = expect(SmtpPhase.EHLO, t.command(), "HELO " + config.heloName());
        if (!helo.isPositive()) {
            quit();
            throw new SessionFailure(SmtpPhase.EHLO, helo, false, helo.isTransient());
        }
        esmtp = false;
    }

    private void startTls() throws SessionFailure {
        SmtpReply r = expect(SmtpPhase.STARTTLS, t.command(), "STARTTLS");
        if (r.code() != 220) { // RFC 3207 §4: the client may carry on in plain text; the TLS decision says whether
            tlsResult = new TlsResult.Refused(r.code() + " " + r.text());
            return;
        }
        try {
            TlsTrust.Observed o = trust.observing();
            SSLSocket ssl = (SSLSocket) o.context().getSocketFactory().createSocket(socket, mxHost, address.getPort(), true);
            TlsTrust.identifyAs(ssl); // the certificate must name the MX host (checked, recorded, decided by the caller)
            ssl.setSoTimeout((int) t.command().toMillis());
            ssl.startHandshake();
            attach(ssl);
            tls = true;
            String protocol = ssl.getSession().getProtocol();
            tlsResult = o.observer().failure().<TlsResult>map(f -> new TlsResult.Unverified(protocol, f))
                    .orElseGet(() -> new TlsResult.Verified(protocol));
        } catch (IOException | GeneralSecurityException e) {
            broken = true;
            tlsResult = new TlsResult.HandshakeFailed(String.valueOf(e.getMessage()));
            throw new SessionFailure(SmtpPhase.STARTTLS, LocalReplies.tlsFailed(target(), String.valueOf(e.getMessage())), true, true,
                    tlsResult);
        }
        hello();
    }

    /** Reads the reply to a pipelined RSET; on anything but 250 (or no reply) the session is closed. */
    private boolean resetConfirmed() {
        try {
            if (read(SmtpPhase.MAIL, t.command()).code() == 250) return true;
        } catch (IOException e) {
            // stale connection: the caller opens a new one
        }
        closeQuietly();
        return false;
    }

    /** RSET before reusing the connection; false when the server did not confirm (the session is then closed). */
    boolean reset() {
        try {
            SmtpReply r = command(SmtpPhase.MAIL, t.command(), "RSET");
            if (r.code() == 250) return true;
        } catch (IOException e) {
            // stale connection: the caller opens a new one
        }
        closeQuietly();
        return false;
    }

    /** Whether the server offered PIPELINING (RFC 2920), so a reused session's RSET can go out with MAIL. */
    boolean pipelines() {
        return supports("PIPELINING");
    }

    /**
     * Runs one mail transaction. {@code data} is already encoded ({@link SmtpData#encode}); {@code size} is
     * the message size declared with SIZE.
     */
    TransactionResult send(String mailFrom, List<String> recipients, byte[] data, long size, boolean eightBit) {
        return send(mailFrom, recipients, data, size, eightBit, false);
    }

    /**
     * As {@link #send(String, List, byte[], long, boolean)}; with {@code resetFirst} (a reused session of a
     * server that offered PIPELINING) an RSET opens the pipelined MAIL/RCPT/DATA group (RFC 2920 §3.1 allows
     * RSET anywhere in a group), saving the RSET round trip. When that RSET is not answered with 250 (the
     * connection was dropped while idle, or the server is confused) the session is closed and the result is
     * {@code stale}: nothing of the transaction can have been accepted (its data was never sent), and the
     * caller retries on a fresh connection.
     */
    TransactionResult send(String mailFrom, List<String> recipients, byte[] data, long size, boolean eightBit,
                           boolean resetFirst) {
        transactions++;
        Map<String, Attributed> decided = new LinkedHashMap<>();
        long max = maxSize();
        if (max > 0 && size > max) {
            SmtpReply tooBig = LocalReplies.tooBig(target(), size, max);
            for (String r : recipients) decided.put(r, new Attributed(r, SmtpPhase.MAIL, tooBig, true));
            return new TransactionResult(List.copyOf(decided.values()), false);
        }
        // RFC 6531 §3.2: a non-ASCII address needs SMTPUTF8; without it the address must not be sent
        boolean utf8 = supports("SMTPUTF8");
        if (!utf8 && !isAscii(mailFrom)) {
            SmtpReply r = LocalReplies.needsSmtpUtf8(target(), mailFrom);
            for (String rc : recipients) decided.put(rc, new Attributed(rc, SmtpPhase.MAIL, r, true));
            return new TransactionResult(List.copyOf(decided.values()), false);
        }
        boolean pipelining = supports("PIPELINING");
        if (resetFirst && (!pipelining || !utf8 && !recipients.stream().allMatch(SmtpSession::isAscii))) {
            // not pipelined here (or split into a nested transaction below): the RSET goes alone first
            if (!reset()) return new TransactionResult(List.of(), false, true);
            resetFirst = false;
        }
        if (!utf8 && !recipients.stream().allMatch(SmtpSession::isAscii)) {
            List<String> sendable = new ArrayList<>();
            for (String rc : recipients) {
                if (isAscii(rc)) sendable.add(rc);
                else decided.put(rc, new Attributed(rc, SmtpPhase.RCPT, LocalReplies.needsSmtpUtf8(target(), rc), true));
            }
            if (!sendable.isEmpty()) {
                transactions--;
                for (Attributed a : send(mailFrom, sendable, data, size, eightBit).results()) decided.put(a.recipient(), a);
            }
            return new TransactionResult(inOrder(recipients, decided), false);
        }
        boolean needsUtf8 = !isAscii(mailFrom) || !recipients.stream().allMatch(SmtpSession::isAscii);
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(mailFrom).append('>');
        if (max >= 0 && supports("SIZE")) mail.append(" SIZE=").append(size);
        if (eightBit && supports("8BITMIME")) mail.append(" BODY=8BITMIME");
        if (needsUtf8) mail.append(" SMTPUTF8");
        Progress p = new Progress();
        try {
            if (pipelining) {
                StringBuilder batch = new StringBuilder(resetFirst ? "RSET\r\n" : "").append(mail).append("\r\n");
                for (String r : recipients) batch.append("RCPT TO:<").append(r).append(">\r\n");
                batch.append("DATA\r\n");
                p.phase = SmtpPhase.MAIL;
                write(batch.toString().getBytes(StandardCharsets.UTF_8));
                if (resetFirst && !resetConfirmed()) return new TransactionResult(List.of(), false, true);
                p.mail = read(SmtpPhase.MAIL, t.mail());
                for (String r : recipients) {
                    p.phase = SmtpPhase.RCPT;
                    SmtpReply rr = read(SmtpPhase.RCPT, t.rcpt());
                    p.rcptAnswered = true;
                    p.rcpt.put(r, rr);
                }
                p.phase = SmtpPhase.DATA;
                p.data = read(SmtpPhase.DATA, t.dataInit());
            } else {
                p.phase = SmtpPhase.MAIL;
                p.mail = command(SmtpPhase.MAIL, t.mail(), mail.toString());
                if (p.mail.isPositive()) {
                    for (String r : recipients) {
                        p.phase = SmtpPhase.RCPT;
                        SmtpReply rr = command(SmtpPhase.RCPT, t.rcpt(), "RCPT TO:<" + r + ">");
                        p.rcptAnswered = true;
                        p.rcpt.put(r, rr);
                    }
                    if (p.rcpt.values().stream().anyMatch(SmtpReply::isPositive)) {
                        p.phase = SmtpPhase.DATA;
                        p.data = command(SmtpPhase.DATA, t.dataInit(), "DATA");
                    }
                }
            }
            List<String> accepted = new ArrayList<>();
            if (!p.mail.isPositive()) {
                for (String r : recipients) decided.put(r, new Attributed(r, SmtpPhase.MAIL, p.mail, false));
            } else {
                for (String r : recipients) {
                    SmtpReply rr = p.rcpt.get(r);
                    if (rr.isPositive()) accepted.add(r);
                    else decided.put(r, new Attributed(r, SmtpPhase.RCPT, rr, false));
                }
            }
            if (p.data != null && p.data.code() == 354 && accepted.isEmpty()) {
                // RFC 2920 §3.1: the server accepted DATA although no RCPT succeeded; end it with an empty message
                p.phase = SmtpPhase.END_OF_DATA;
                write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                read(SmtpPhase.END_OF_DATA, t.dataEnd());
            } else if (!accepted.isEmpty()) {
                if (p.data.code() != 354) {
                    for (String r : accepted) decided.put(r, new Attributed(r, SmtpPhase.DATA, p.data, false));
                } else {
                    p.phase = SmtpPhase.END_OF_DATA;
                    write(data);
                    SmtpReply end = read(SmtpPhase.END_OF_DATA, t.dataEnd());
                    for (String r : accepted) decided.put(r, new Attributed(r, SmtpPhase.END_OF_DATA, end, false));
                }
            }
            return new TransactionResult(inOrder(recipients, decided), false);
        } catch (IOException e) {
            broken = true;
            closeQuietly();
            SmtpReply lost = lostReply(e, p.phase);
            if (p.mail != null && !p.mail.isPositive()) {
                for (String r : recipients) decided.putIfAbsent(r, new Attributed(r, SmtpPhase.MAIL, p.mail, false));
            }
            for (var e2 : p.rcpt.entrySet()) {
                if (!e2.getValue().isPositive()) decided.putIfAbsent(e2.getKey(), new Attributed(e2.getKey(), SmtpPhase.RCPT, e2.getValue(), false));
            }
            for (String r : recipients) decided.putIfAbsent(r, new Attributed(r, p.phase, lost, true));
            boolean tryNext = !p.rcptAnswered && (p.mail == null || p.mail.isPositive());
            return new TransactionResult(inOrder(recipients, decided), tryNext);
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 0x7e) return false;
        return true;
    }

    /** What is known of a transaction in progress, to attribute a failure half-way. */
    private static final class Progress {
        SmtpPhase phase = SmtpPhase.MAIL;
        SmtpReply mail;
        final Map<String, SmtpReply> rcpt = new LinkedHashMap<>();
        boolean rcptAnswered;
        SmtpReply data;
    }

    private static List<Attributed> inOrder(List<String> recipients, Map<String, Attributed> decided) {
        List<Attributed> l = new ArrayList<>(recipients.size());
        for (String r : recipients) l.add(decided.get(r));
        return List.copyOf(l);
    }

    /** The SIZE limit (RFC 1870): 0 when SIZE is advertised without a limit, -1 when not advertised. */
    private long maxSize() {
        String v = extensions.get("SIZE");
        if (v == null) return -1;
        try {
            return v.isBlank() ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** QUIT and close; never throws. */
    void quit() {
        if (usable()) {
            try {
                command(SmtpPhase.QUIT, t.command(), "QUIT");
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        closeQuietly();
    }

    @Override
    public void close() {
        quit();
    }

    private void closeQuietly() {
        broken = true;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private void attach(Socket s) throws SessionFailure {
        socket = s;
        try {
            in = new BufferedInputStream(s.getInputStream(), 8192);
            out = s.getOutputStream();
        } catch (IOException e) {
            throw new SessionFailure(SmtpPhase.CONNECT, LocalReplies.connectionLost(target(), SmtpPhase.CONNECT, String.valueOf(e.getMessage())), true, true);
        }
    }

    /** Sends a command (or only reads, when null) during session setup; I/O failures become SessionFailure. */
    private SmtpReply expect(SmtpPhase phase, Duration timeout, String line) throws SessionFailure {
        try {
            return line == null ? read(phase, timeout) : command(phase, timeout, line);
        } catch (IOException e) {
            closeQuietly();
            throw new SessionFailure(phase, lostReply(e, phase), true, true);
        }
    }

    private SmtpReply lostReply(IOException e, SmtpPhase phase) {
        Duration limit = switch (phase) {
            case CONNECT -> t.greeting();
            case MAIL -> t.mail();
            case RCPT -> t.rcpt();
            case DATA -> t.dataInit();
            case END_OF_DATA -> t.dataEnd();
            default -> t.command();
        };
        if (timedOutByWatchdog) return LocalReplies.writeTimeout(target(), phase, t.dataBlock());
        if (e instanceof SocketTimeoutException) return LocalReplies.timeout(target(), phase, limit);
        if (e instanceof ProtocolException) return LocalReplies.protocolError(target(), e.getMessage());
        return LocalReplies.connectionLost(target(), phase, String.valueOf(e.getMessage()));
    }

    private SmtpReply command(SmtpPhase phase, Duration timeout, String line) throws IOException {
        write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        return read(phase, timeout);
    }

    private SmtpReply read(SmtpPhase phase, Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        SmtpReply r = ReplyReader.read(in);
        if (r.code() == 421) broken = true; // the server is closing the channel (RFC 5321 §3.8)
        return r;
    }

    /** Writes in blocks; a block that takes longer than the data-block timeout gets the socket closed. */
    private void write(byte[] bytes) throws IOException {
        for (int off = 0; off < bytes.length; off += WRITE_BLOCK) {
            int len = Math.min(WRITE_BLOCK, bytes.length - off);
            Socket s = socket;
            ScheduledFuture<?> guard = watchdog.schedule(() -> {
                timedOutByWatchdog = true;
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closed
                }
            }, t.dataBlock().toMillis(), TimeUnit.MILLISECONDS);
            try {
                out.write(bytes, off, len);
            } finally {
                guard.cancel(false);
            }
        }
        out.flush();
    }

    @Override
    public String toString() {
        return "SmtpSession[" + target() + (tls ? ", TLS" : "") + (esmtp ? ", ESMTP " + extensions.keySet() : ", SMTP")
                + ", transactions=" + transactions + (broken ? ", closed" : "") + "]";
    }
}
