package dev.rebound.server.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted SMTP server on 127.0.0.1 for delivery tests: a small socket server on virtual threads that can
 * advertise anything (PIPELINING, STARTTLS, SIZE) and answer anything, keyed by command, in the spirit of
 * chasquid's fake server.
 *
 * <p>By default it accepts everything with 250 (354 to DATA) and advertises
 * {@code PIPELINING, SIZE 10485760, 8BITMIME, ENHANCEDSTATUSCODES}. A {@link Script} changes replies:
 * <pre>{@code
 * try (FakeMx mx = FakeMx.start()) {
 *     mx.script()
 *       .reply("RCPT TO:<a@example.test>", "550 5.1.1 no such user")   // by command line (prefix, any case)
 *       .reply("RCPT#2", "452 4.2.2 mailbox full")                     // 2nd RCPT of the transaction
 *       .reply(".", "451 4.3.0 try again later")                        // reply to the end of DATA
 *       .replyOnce("MAIL", "421 4.3.2 busy")                            // first MAIL only, then default
 *       .drop("DATA")                                                   // close instead of answering
 *       .dropOnce("MAIL")                                               // close once, later connections fine
 *       .dropAfter("STARTTLS")                                          // answer, then close
 *       .stallAfter("DATA")                                             // answer, then stop reading
 *       .delay("CONNECT", Duration.ofMillis(500))                       // wait before the banner
 *       .without("PIPELINING").tls(FakeMx.selfSignedTls()).maxSize(1000);
 *     ... deliver to 127.0.0.1:mx.port() ...
 *     mx.received();     // accepted messages: envelope, bytes, Message-ID
 *     mx.transcript();   // "C: MAIL FROM:<...>", "S: 250 2.1.0 ok", ...
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> A verb ({@code CONNECT} for the banner, {@code EHLO}, {@code HELO}, {@code STARTTLS},
 * {@code MAIL}, {@code RCPT}, {@code DATA}, {@code .} for the end of the message data, {@code RSET},
 * {@code NOOP}, {@code QUIT}); a verb with an ordinal, {@code "RCPT#2"}; or a command line prefix such as
 * {@code "RCPT TO:<a@x.test>"} (matched case-insensitively against the start of the received line). The
 * most specific key wins: command line, then verb#n, then verb. Ordinals count per transaction for
 * {@code RCPT} (reset by MAIL, RSET and the end of DATA), across the whole server for {@code CONNECT}
 * ({@code "CONNECT#2"} is the second connection) and per connection for everything else
 * ({@code "MAIL#2"} is the second transaction on a connection, {@code "EHLO#2"} the EHLO after STARTTLS).
 *
 * <p><b>Replies</b> are wire lines without CRLF; a multi-line reply separates its lines with {@code \n}
 * ({@code "250-first\n250 last"}). A reply to DATA that starts with 354 makes the server read the message;
 * otherwise the message is not read. A reply to MAIL/RCPT counts as accepted when it starts with 2. Without
 * an accepted RCPT, DATA is answered {@code 554 5.5.1} (RFC 2920 §3.1) unless scripted.
 *
 * <p>Thread-safe; the script may be changed while clients are connected (new commands see the change).
 */
public final class FakeMx implements AutoCloseable {
    /** Default maximum message size advertised with SIZE. */
    public static final long DEFAULT_SIZE = 10 * 1024 * 1024;
    private static final int MAX_COMMAND = 4096;
    private static final int MAX_DATA_LINE = 1 << 20;

    /**
     * One message whose DATA was received in full.
     *
     * @param connection the server-wide connection number (1-based), to see connection reuse
     * @param mailFrom   the reverse-path inside {@code <>} of MAIL FROM
     * @param recipients the accepted RCPT TO addresses, in order
     * @param data       the message bytes with dot-stuffing removed, every line ending as received (CRLF
     *                   normally), without the terminating {@code .}
     * @param wire       the bytes exactly as received between the 354 and the terminating {@code .CRLF}
     * @param reply      the reply sent to the end of DATA
     * @param tls        whether the connection was under TLS
     */
    public record Received(int connection, String mailFrom, List<String> recipients, byte[] data, byte[] wire,
                           String reply, boolean tls) {
        /** The message as text (UTF-8). */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        /** The value of the Message-ID header, when present. */
        public Optional<String> messageId() {
            Matcher m = MESSAGE_ID.matcher(text());
            return m.find() ? Optional.of(m.group(1).trim()) : Optional.empty();
        }

        boolean accepted() {
            return reply.startsWith("2");
        }
    }

    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:[ \\t]*(.*?)\\r?$");

    /** Replies and actions by key; see the class comment for keys. */
    public static final class Script {
        private record Rule(String reply, boolean drop, boolean once) {}

        private final Map<String, Rule> rules = new ConcurrentHashMap<>();
        private final Map<String, Duration> delays = new ConcurrentHashMap<>();
        private final Set<String> stalls = ConcurrentHashMap.newKeySet();
        private final Set<String> dropsAfter = ConcurrentHashMap.newKeySet();
        private volatile List<String> extensions = defaultExtensions();
        private volatile SSLContext tls;
        private volatile long maxSize = DEFAULT_SIZE;

        private static List<String> defaultExtensions() {
            return List.of("PIPELINING", "SIZE " + DEFAULT_SIZE, "8BITMIME", "ENHANCEDSTATUSCODES");
        }

        /** Answers {@code key} with {@code reply} every time. */
        public Script reply(String key, String reply) {
            rules.put(normalise(key), new Rule(reply, false, false));
            return this;
        }

        /** Answers {@code key} with {@code reply} once, then falls back to the next rule or the default. */
        public Script replyOnce(String key, String reply) {
            rules.put(normalise(key), new Rule(reply, false, true));
            return this;
        }

        /** Closes the connection instead of answering {@code key} (for {@code .}: after reading the data). */
        public Script drop(String key) {
            rules.put(normalise(key), new Rule(null, true, false));
            return this;
        }

        /** Closes the connection instead of answering {@code key}, once; later commands get the default. */
        public Script dropOnce(String key) {
            rules.put(normalise(key), new Rule(null, true, true));
            return this;
        }

        /**
         * After answering {@code key}, stops reading from the connection until the server is closed (the
         * client's writes then block once the socket buffers are full: for write-timeout tests).
         */
        public Script stallAfter(String key) {
            stalls.add(normalise(key));
            return this;
        }

        /** Answers {@code key}, then closes the connection (e.g. after a 220 to STARTTLS: a failed handshake). */
        public Script dropAfter(String key) {
            dropsAfter.add(normalise(key));
            return this;
        }

        /** Waits {@code delay} before answering {@code key} (for timeout tests). */
        public Script delay(String key, Duration delay) {
            delays.put(normalise(key), delay);
            return this;
        }

        /**
         * Holds the first answer to {@code key} (server-wide, once) until {@code release} opens; later ones are not held.
         * {@code held} opens when that answer starts waiting (a test then knows the client is in that command).
         */
        public Script holdOnce(String key, java.util.concurrent.CountDownLatch held, java.util.concurrent.CountDownLatch release) {
            holds.put(normalise(key), new Hold(held, release, new java.util.concurrent.atomic.AtomicBoolean()));
            return this;
        }

        private record Hold(java.util.concurrent.CountDownLatch held, java.util.concurrent.CountDownLatch release,
                            java.util.concurrent.atomic.AtomicBoolean used) {}

        private final Map<String, Hold> holds = new ConcurrentHashMap<>();

        /** Replaces the EHLO extension list (STARTTLS is added automatically when {@link #tls} is set). */
        public Script extensions(String... keywords) {
            extensions = List.of(keywords);
            return this;
        }

        /** Removes one extension keyword (e.g. {@code "PIPELINING"}) from the EHLO reply. */
        public Script without(String keyword) {
            List<String> l = new ArrayList<>(extensions);
            l.removeIf(e -> e.toUpperCase(Locale.ROOT).split(" ")[0].equals(keyword.toUpperCase(Locale.ROOT)));
            extensions = List.copyOf(l);
            return this;
        }

        /** Advertises SIZE with this limit and refuses MAIL with a larger SIZE= with 552 5.3.4. */
        public Script maxSize(long bytes) {
            maxSize = bytes;
            List<String> l = new ArrayList<>(extensions);
            l.removeIf(e -> e.toUpperCase(Locale.ROOT).startsWith("SIZE"));
            l.add("SIZE " + bytes);
            extensions = List.copyOf(l);
            return this;
        }

        /** Offers STARTTLS with this server context (see {@link FakeMx#selfSignedTls()}). */
        public Script tls(SSLContext context) {
            tls = context;
            return this;
        }

        /** Back to the defaults. */
        public Script reset() {
            rules.clear();
            delays.clear();
            holds.clear();
            stalls.clear();
            dropsAfter.clear();
            extensions = defaultExtensions();
            tls = null;
            maxSize = DEFAULT_SIZE;
            return this;
        }

        private static String normalise(String key) {
            return key.toUpperCase(Locale.ROOT);
        }

        /** The scripted rule for a command, most specific first; null when none. */
        private Rule find(String line, String verb, int ordinal) {
            String upper = line.toUpperCase(Locale.ROOT);
            String best = null;
            for (String k : rules.keySet()) {
                boolean isLineKey = k.contains(":") || k.contains(" ") || k.contains("<");
                if (isLineKey && upper.startsWith(k) && (best == null || k.length() > best.length())) best = k;
            }
            if (best == null && rules.containsKey(verb + "#" + ordinal)) best = verb + "#" + ordinal;
            if (best == null && rules.containsKey(verb)) best = verb;
            if (best == null) return null;
            Rule r = rules.get(best);
            if (r != null && r.once) rules.remove(best, r);
            return r;
        }

        private boolean stalls(String line, String verb, int ordinal) {
            return matches(stalls, line, verb, ordinal);
        }

        private boolean dropsAfter(String line, String verb, int ordinal) {
            return matches(dropsAfter, line, verb, ordinal);
        }

        private static boolean matches(Set<String> keys, String line, String verb, int ordinal) {
            String upper = line.toUpperCase(Locale.ROOT);
            for (String k : keys) if ((k.contains(":") || k.contains(" ")) && upper.startsWith(k)) return true;
            return keys.contains(verb + "#" + ordinal) || keys.contains(verb);
        }

        private Duration delay(String line, String verb, int ordinal) {
            String upper = line.toUpperCase(Locale.ROOT);
            for (var e : delays.entrySet()) {
                if ((e.getKey().contains(":") || e.getKey().contains(" ")) && upper.startsWith(e.getKey())) return e.getValue();
            }
            Duration d = delays.get(verb + "#" + ordinal);
            return d != null ? d : delays.get(verb);
        }
    }

    private final ServerSocket server;
    private final Script script = new Script();
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> transcript = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pipelined = new AtomicInteger();
    private final AtomicInteger queueIds = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);

    private FakeMx(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("fake-mx-" + server.getLocalPort()).start(this::acceptLoop);
    }

    /** Starts a server on 127.0.0.1 on a free port with the default (accept everything) script. */
    public static FakeMx start() {
        return start(InetAddress.getLoopbackAddress(), 0);
    }

    /** Starts a server on a given loopback address and port (0 = any free port). */
    public static FakeMx start(InetAddress bind, int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bind, port), 64);
            return new FakeMx(s);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + bind.getHostAddress() + ":" + port + " for the fake MX", e);
        }
    }

    /** A server-side TLS context with a self-signed certificate for {@code fake-mx.test} / 127.0.0.1. */
    public static SSLContext selfSignedTls() {
        try (InputStream in = FakeMx.class.getResourceAsStream("fakemx.p12")) {
            if (in == null) throw new IllegalStateException("test resource dev/rebound/server/testing/fakemx.p12 missing");
            char[] password = "changeit".toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the fake MX test certificate: " + e, e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** The live script of this server. */
    public Script script() {
        return script;
    }

    /** Messages accepted at the end of DATA (2xx), in arrival order. */
    public List<Received> received() {
        return received.stream().filter(Received::accepted).toList();
    }

    /** Every message whose data was read, including those refused at the end of DATA. */
    public List<Received> receivedAll() {
        return List.copyOf(received);
    }

    /**
     * The dialogue of all connections in order: {@code "C: <command>"}, {@code "S: <reply line>"},
     * {@code "C: <N bytes of message data>"}, and {@code "-- connect N"} / {@code "-- close N"} markers.
     */
    public List<String> transcript() {
        return List.copyOf(transcript);
    }

    /** Number of connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /**
     * Number of replies the server wrote while further client input was already waiting, i.e. how often the
     * client pipelined (RFC 2920). MAIL+RCPT+DATA sent in one write counts 2; a client that waits for each
     * reply scores 0.
     */
    public int pipelinedCommands() {
        return pipelined.get();
    }

    @Override
    public void close() {
        closing.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            int n = connections.incrementAndGet();
            open.add(s);
            try {
                s.setTcpNoDelay(true); // replies are written whole; Nagle would delay pipelined replies by ~40 ms
            } catch (IOException ignored) {
                // the client is already gone
            }
            Thread.ofVirtual().name("fake-mx-conn-" + n).start(() -> {
                try {
                    new Connection(n, s).run();
                } catch (IOException | RuntimeException e) {
                    // the client went away or the test closed the server
                } finally {
                    transcript.add("-- close " + n);
                    open.remove(s);
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            });
        }
    }

    /** Thrown to end a connection when the script says drop. */
    private static final class Drop extends RuntimeException {
        Drop() {
            super(null, null, false, false);
        }
    }

    private final class Connection {
        private final int number;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private boolean tls;
        private final Map<String, Integer> counts = new HashMap<>();
        private int rcptInTransaction;
        private String mailFrom;
        private final List<String> recipients = new ArrayList<>();

        Connection(int number, Socket socket) throws IOException {
            this.number = number;
            attach(socket);
        }

        private void attach(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = s.getOutputStream();
        }

        void run() throws IOException {
            transcript.add("-- connect " + number);
            if (!answer("CONNECT", "CONNECT", number, "220 fake-mx.test ESMTP FakeMx")) return;
            while (true) {
                byte[] raw = readLine(MAX_COMMAND);
                if (raw == null) return;
                String line = new String(raw, StandardCharsets.UTF_8);
                transcript.add("C: " + line);
                String verb = verbOf(line);
                int ordinal = counts.merge(verb, 1, Integer::sum);
                switch (verb) {
                    case "EHLO" -> answer(line, verb, ordinal, ehloReply());
                    case "HELO" -> answer(line, verb, ordinal, "250 fake-mx.test");
                    case "STARTTLS" -> startTls(line, ordinal);
                    case "MAIL" -> mail(line, ordinal);
                    case "RCPT" -> rcpt(line);
                    case "DATA" -> data(line, ordinal);
                    case "RSET" -> {
                        resetTransaction();
                        answer(line, verb, ordinal, "250 2.0.0 ok");
                    }
                    case "NOOP" -> answer(line, verb, ordinal, "250 2.0.0 ok");
                    case "QUIT" -> {
                        answer(line, verb, ordinal, "221 2.0.0 bye");
                        return;
                    }
                    default -> answer(line, verb, ordinal, "500 5.5.2 command not recognised");
                }
            }
        }

        private String ehloReply() {
            List<String> ext = new ArrayList<>(script.extensions);
            if (script.tls != null && !tls) ext.add("STARTTLS");
            StringBuilder sb = new StringBuilder("250");
            sb.append(ext.isEmpty() ? " " : "-").append("fake-mx.test greets you");
            for (int i = 0; i < ext.size(); i++) sb.append("\n250").append(i == ext.size() - 1 ? " " : "-").append(ext.get(i));
            return sb.toString();
        }

        private void startTls(String line, int ordinal) throws IOException {
            String reply = script.tls != null && !tls ? "220 2.0.0 ready to start TLS" : "454 4.7.0 TLS not available";
            String sent = respond(line, "STARTTLS", ordinal, reply);
            if (sent == null || !sent.startsWith("220") || script.tls == null) return;
            SSLSocket ssl = (SSLSocket) script.tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
            ssl.setUseClientMode(false);
            ssl.startHandshake();
            open.add(ssl);
            attach(ssl);
            tls = true;
            transcript.add("-- tls " + number + " " + ssl.getSession().getProtocol());
            counts.clear();
            resetTransaction();
        }

        private void mail(String line, int ordinal) throws IOException {
            resetTransaction();
            Matcher size = Pattern.compile("(?i)\\sSIZE=(\\d+)").matcher(line);
            String dflt = "250 2.1.0 ok";
            if (size.find() && Long.parseLong(size.group(1)) > script.maxSize) dflt = "552 5.3.4 message too big";
            String sent = respond(line, "MAIL", ordinal, dflt);
            if (sent != null && sent.startsWith("2")) mailFrom = pathOf(line);
        }

        private void rcpt(String line) throws IOException {
            int ordinal = ++rcptInTransaction;
            String sent = respond(line, "RCPT", ordinal, mailFrom == null ? "503 5.5.1 need MAIL first" : "250 2.1.5 ok");
            if (sent != null && sent.startsWith("2")) recipients.add(pathOf(line));
        }

        private void data(String line, int ordinal) throws IOException {
            String dflt = recipients.isEmpty() ? "554 5.5.1 no valid recipients" : "354 end data with <CR><LF>.<CR><LF>";
            String sent = respond(line, "DATA", ordinal, dflt);
            if (sent == null || !sent.startsWith("354")) return;
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            while (true) {
                byte[] l = readRawLine(MAX_DATA_LINE);
                if (l == null) throw new IOException("client closed during DATA");
                if (l.length == 3 && l[0] == '.' && l[1] == '\r' && l[2] == '\n') break;
                wire.writeBytes(l);
                data.write(l, l.length > 0 && l[0] == '.' ? 1 : 0, l.length > 0 && l[0] == '.' ? l.length - 1 : l.length);
            }
            transcript.add("C: <" + wire.size() + " bytes of message data>");
            transcript.add("C: .");
            int n = counts.merge(".", 1, Integer::sum);
            String reply = decide(".", ".", n, "250 2.0.0 ok: queued as Q" + queueIds.incrementAndGet());
            String[] replyLines = reply == null ? new String[] {"(dropped)"} : reply.split("\n");
            // recorded before the reply is written, so a client that saw the reply also sees the message here
            received.add(new Received(number, mailFrom, List.copyOf(recipients), data.toByteArray(), wire.toByteArray(),
                    replyLines[replyLines.length - 1], tls));
            if (reply == null) throw new Drop();
            send(reply);
            resetTransaction();
        }

        private void resetTransaction() {
            mailFrom = null;
            recipients.clear();
            rcptInTransaction = 0;
        }

        private boolean answer(String line, String verb, int ordinal, String dflt) throws IOException {
            return respond(line, verb, ordinal, dflt) != null;
        }

        private String respond(String line, String verb, int ordinal, String dflt) throws IOException {
            return respond(line, verb, ordinal, dflt, false);
        }

        /** Writes the scripted or default reply; returns its last line, or null after dropping the connection. */
        private String respond(String line, String verb, int ordinal, String dflt, boolean dataEnd) throws IOException {
            String reply = decide(line, verb, ordinal, dflt);
            if (reply == null) {
                if (dataEnd) return null;
                throw new Drop();
            }
            String sent = send(reply);
            if (script.dropsAfter(line, verb, ordinal)) {
                transcript.add("S: <drop>");
                throw new Drop();
            }
            if (script.stalls(line, verb, ordinal)) {
                transcript.add("-- stall " + number);
                try {
                    closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new Drop();
            }
            return sent;
        }

        /** The scripted (after its delay) or default reply; null when the script says drop. */
        private String decide(String line, String verb, int ordinal, String dflt) throws IOException {
            Script.Hold hold = script.holds.get(verb);
            if (hold != null && hold.used().compareAndSet(false, true)) {
                hold.held().countDown();
                try {
                    hold.release().await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            Duration delay = script.delay(line, verb, ordinal);
            if (delay != null) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            Script.Rule rule = script.find(line, verb, ordinal);
            if (rule != null && rule.drop()) {
                transcript.add("S: <drop>");
                return null;
            }
            return rule != null ? rule.reply() : dflt;
        }

        /** Records and writes a reply; returns its last line. */
        private String send(String reply) throws IOException {
            // commands already waiting before this reply is written were pipelined by the client (RFC 2920);
            // checked before writing, so a client that waits for each reply can never be counted
            if (in.available() > 0) pipelined.incrementAndGet();
            StringBuilder wire = new StringBuilder();
            for (String l : reply.split("\n")) {
                transcript.add("S: " + l);
                wire.append(l).append("\r\n");
            }
            out.write(wire.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            String[] lines = reply.split("\n");
            return lines[lines.length - 1];
        }

        /** A command line without its CRLF (a bare LF also ends it); null at end of stream. */
        private byte[] readLine(int max) throws IOException {
            byte[] l = readRawLine(max);
            if (l == null) return null;
            int end = l.length;
            if (end > 0 && l[end - 1] == '\n') end--;
            if (end > 0 && l[end - 1] == '\r') end--;
            return java.util.Arrays.copyOf(l, end);
        }

        /** A line including its ending (LF or CRLF), as received; null at end of stream. */
        private byte[] readRawLine(int max) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int c = in.read();
                if (c < 0) return b.size() == 0 ? null : b.toByteArray();
                b.write(c);
                if (c == '\n') return b.toByteArray();
                if (b.size() > max) throw new IOException("line longer than " + max + " bytes");
            }
        }
    }

    private static String verbOf(String line) {
        String t = line.trim();
        int sp = t.indexOf(' ');
        String v = (sp < 0 ? t : t.substring(0, sp)).toUpperCase(Locale.ROOT);
        return v.isEmpty() ? "?" : v;
    }

    private static String pathOf(String line) {
        int lt = line.indexOf('<'), gt = line.indexOf('>', Math.max(lt, 0));
        return lt >= 0 && gt > lt ? line.substring(lt + 1, gt) : line.substring(line.indexOf(':') + 1).trim();
    }
}
