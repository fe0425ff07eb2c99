package dev.rebound.server.webhooks;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The webhook POSTs over HTTP/1.1 (RFC 9112) on blocking sockets, on the caller's (virtual) thread, with the
 * connections kept alive per origin. Chosen over the JDK {@code HttpClient} for this one job: each request there
 * passes through a selector thread and a chain of asynchronous stages, which cost more CPU than the request itself
 * and a large body of code for the JIT to compile while the service relays mail.
 *
 * <p>What it does: one request with {@code Content-Length}; {@code https} with the JDK's default trust and host-name
 * verification ({@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}, SNI); no redirects (a 3xx is the
 * answer); one deadline for connect, request and the whole response ({@link HttpTimeoutException} when it passes;
 * sockets block without a socket timeout, one system call per read, and a watchdog thread closes a socket whose
 * exchange is past its deadline);
 * interim 1xx responses skipped; the body read by {@code Content-Length}, chunked coding (RFC 9112 §7.1) or to the
 * end of the connection, its first {@code keep} bytes returned and the rest read and dropped up to
 * {@link #MAX_DRAIN} (beyond that the connection is closed instead). Strict and capped: a status line or header
 * line over {@link #MAX_LINE} octets, more than {@link #MAX_HEADERS} header lines, a malformed status line, chunk
 * size, {@code Content-Length} or {@code Transfer-Encoding}, or two different {@code Content-Length}s end the
 * exchange with an {@link IOException} quoting what came. A connection is reused only after a complete HTTP/1.1
 * response without {@code Connection: close}; a reused connection that the server closed while idle (no byte of a
 * response read) is replaced once by a new one.
 *
 * <p>Per request it does no more than it must: what a URL gives (address, pool key, request line and
 * {@code Host}) is worked out once per URL; the request is written into one array of its exact size; lines already
 * in the connection's buffer are read from it in one step; status lines, lengths and chunk sizes are checked without
 * regular expressions; bodies are kept straight from the connection's buffer.
 */
final class HttpPost implements AutoCloseable {
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 100;
    static final long MAX_DRAIN = 1 << 20;
    /** Idle connections older than this are not reused (servers close idle keep-alive connections after 5–60 s). */
    private static final long IDLE_NANOS = Duration.ofSeconds(4).toNanos();
    private static final int MAX_IDLE_PER_ORIGIN = 256;
    /** How often the deadlines are checked: a timeout ends at most this much after its deadline. */
    private static final long WATCH_MILLIS = 50;
    /** Parsed URLs kept (a handful of endpoints; forgotten all at once beyond this). */
    private static final int MAX_TARGETS = 64;
    private static final byte[] EMPTY = new byte[0];

    /** The status and the first bytes of the body. */
    record Response(int status, byte[] body) {}

    /**
     * A kept-alive connection. Responses are read through its own buffer (a {@code BufferedInputStream}'s
     * {@code available()} asks the socket, a system call, on every call); its exchange's deadline is its
     * {@link Watch}'s.
     */
    private static final class Connection {
        final Socket socket;
        final Watch watch;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[8192];
        int pos;
        int lim;
        long idleSince;

        Connection(Socket socket, Watch watch) throws IOException {
            this.socket = socket;
            this.watch = watch;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** One byte, -1 at the end of the connection. */
        int read(long deadline, Duration timeout) throws IOException {
            if (pos == lim && !fill(deadline, timeout)) return -1;
            return buf[pos++] & 0xff;
        }

        /**
         * The next line when all of it (to its LF) is already in the buffer and not over {@link #MAX_LINE} octets,
         * without its CRLF (or bare LF); null otherwise ({@link #line} then reads it byte by byte).
         */
        String bufferedLine() {
            for (int i = pos; i < lim; i++) {
                if (buf[i] != '\n') continue;
                if (i - pos > MAX_LINE) return null;
                int to = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                String line = new String(buf, pos, to - pos, StandardCharsets.ISO_8859_1);
                pos = i + 1;
                return line;
            }
            return null;
        }

        /**
         * Reads what the socket has (at least one byte) before the deadline; false at its end. The read blocks
         * without a socket timeout (one system call; a timed read is a non-blocking read, a poll and a read again):
         * the {@link Watch} closes the socket when the deadline passes.
         */
        boolean fill(long deadline, Duration timeout) throws IOException {
            if (deadline - System.nanoTime() <= 0) throw new HttpTimeoutException("no complete response within " + timeout);
            int n;
            try {
                n = in.read(buf, 0, buf.length);
            } catch (IOException e) {
                if (watch.expired) throw new HttpTimeoutException("no complete response within " + timeout);
                throw e;
            }
            if (watch.expired) throw new HttpTimeoutException("no complete response within " + timeout);
            if (n < 0) return false;
            pos = 0;
            lim = n;
            return true;
        }

        void close() {
            watch.close();
        }
    }

    /**
     * The deadline of a socket's current exchange (0: none), enforced by {@link #watchdog}: a socket whose deadline
     * passed is closed, which ends a blocked connect, handshake, read or write with an exception that the exchange
     * turns into an {@link HttpTimeoutException}.
     */
    private static final class Watch {
        volatile Socket socket;
        final Set<Watch> registry;
        volatile long deadline;
        volatile boolean expired;

        Watch(Socket socket, Set<Watch> registry) {
            this.socket = socket;
            this.registry = registry;
            registry.add(this);
        }

        void close() {
            registry.remove(this);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we give up anyway
            }
        }
    }

    /** The sockets with an exchange under way or idle in the pool (their deadline is 0 while idle). */
    private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
    private final Thread watchdog = Thread.ofPlatform().daemon(true).name("rebound-webhooks-deadlines").unstarted(this::watch);

    /** Every {@link #WATCH_MILLIS}: closes the sockets past their exchange's deadline. */
    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Watch w : watched) {
                long d = w.deadline;
                if (d != 0 && now - d > 0) {
                    w.expired = true;
                    w.close();
                }
            }
        }
    }

    /** The idle connections of one origin, newest last, and their number (a deque's size() walks it). */
    private static final class Idle {
        final ConcurrentLinkedDeque<Connection> connections = new ConcurrentLinkedDeque<>();
        final AtomicInteger count = new AtomicInteger();

        Connection poll() {
            Connection c = connections.pollLast();
            if (c != null) count.decrementAndGet();
            return c;
        }
    }

    /**
     * What a URL gives each request to it, worked out once: the scheme, the address and port to connect to, the
     * pool key ({@code scheme://host:port}) and the request's first bytes (request line, {@code Host}, the name of
     * {@code Content-Length}).
     */
    private record Target(String scheme, String address, int port, String origin, byte[] head) {}

    private final Map<String, Idle> idle = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * POSTs {@code body} to {@code uri} with {@code headers} (name, value pairs; {@code Host} and
     * {@code Content-Length} are added) and returns the status and the first {@code keep} bytes of the answer.
     */
    Response post(URI uri, List<Map.Entry<String, String>> headers, byte[] body, Duration timeout, int keep) throws IOException {
        if (watchdog.getState() == Thread.State.NEW) {
            synchronized (watchdog) {
                if (watchdog.getState() == Thread.State.NEW) watchdog.start();
            }
        }
        Target t = target(uri);
        byte[] request = request(t.head, headers, body);
        long deadline = System.nanoTime() + timeout.toNanos();
        Connection c = pooled(t.origin);
        boolean reused = c != null;
        if (c == null) c = open(t.scheme, t.address, t.port, deadline, timeout);
        try {
            return exchange(c, t.origin, request, deadline, timeout, keep);
        } catch (StaleConnection e) {
            c.close();
            if (c.watch.expired) throw new HttpTimeoutException("no complete response within " + timeout);
            if (!reused) throw e.getCause();
            Connection fresh = open(t.scheme, t.address, t.port, deadline, timeout);
            try {
                return exchange(fresh, t.origin, request, deadline, timeout, keep);
            } catch (StaleConnection again) {
                fresh.close();
                throw again.getCause();
            } catch (IOException | RuntimeException other) {
                fresh.close();
                throw other;
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private Target target(URI uri) {
        String url = uri.toString(); // the key: URI.equals ignores the case of the host, the Host header does not
        Target t = targets.get(url);
        if (t != null) return t;
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw new IllegalArgumentException("not an http(s) URL: " + uri);
        String host = uri.getHost();
        if (host == null) throw new IllegalArgumentException("URL without a host: " + uri);
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path += "?" + uri.getRawQuery();
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host)
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "\r\nContent-Length: ";
        String address = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        t = new Target(scheme, address, port, scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port,
                head.getBytes(StandardCharsets.UTF_8));
        if (targets.size() >= MAX_TARGETS) targets.clear();
        targets.put(url, t);
        return t;
    }

    /** The whole request in one array: the target's head, the length, the headers (UTF-8), a blank line, the body. */
    private static byte[] request(byte[] head, List<Map.Entry<String, String>> headers, byte[] body) {
        int length = head.length + digits(body.length) + 2;
        for (Map.Entry<String, String> e : headers) {
            String v = e.getValue();
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0 || e.getKey().indexOf(':') >= 0)
                throw new IllegalArgumentException("header " + e.getKey() + " has a line break or colon");
            length += utf8Length(e.getKey()) + 2 + utf8Length(v) + 2;
        }
        byte[] r = new byte[length + 2 + body.length];
        System.arraycopy(head, 0, r, 0, head.length);
        int at = head.length + digits(body.length);
        for (int v = body.length, i = at - 1; i >= head.length; i--, v /= 10) r[i] = (byte) ('0' + v % 10);
        r[at++] = '\r';
        r[at++] = '\n';
        for (Map.Entry<String, String> e : headers) {
            at = utf8(e.getKey(), r, at);
            r[at++] = ':';
            r[at++] = ' ';
            at = utf8(e.getValue(), r, at);
            r[at++] = '\r';
            r[at++] = '\n';
        }
        r[at++] = '\r';
        r[at++] = '\n';
        System.arraycopy(body, 0, r, at, body.length);
        return r;
    }

    private static int digits(int v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    private static int utf8Length(String s) {
        return ascii(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Writes {@code s} in UTF-8 at {@code at}; returns the end. */
    private static int utf8(String s, byte[] to, int at) {
        if (!ascii(s)) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, to, at, b.length);
            return at + b.length;
        }
        for (int i = 0; i < s.length(); i++) to[at++] = (byte) s.charAt(i);
        return at;
    }

    /** The server closed the connection before any byte of a response: the request was not taken. */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private Response exchange(Connection c, String origin, byte[] request, long deadline, Duration timeout, int keep) throws IOException {
        c.watch.deadline = deadline;
        if (c.watch.expired || c.socket.isClosed()) throw new StaleConnection(new IOException("connection closed while idle"));
        try {
            // one write: head and body leave in one segment where they fit (no second system call, no small
            // trailing segment)
            c.out.write(request);
            c.out.flush();
        } catch (IOException e) {
            throw new StaleConnection(e);
        }
        int status;
        boolean http11;
        Headers h;
        while (true) {
            String statusLine;
            try {
                statusLine = line(c, deadline, timeout, true);
            } catch (EOFException e) {
                throw new StaleConnection(e);
            }
            status = status(statusLine);
            if (status < 0) throw new IOException("not an HTTP/1.x status line: \"" + printable(statusLine) + "\"");
            http11 = statusLine.charAt(7) == '1';
            h = headers(c, deadline, timeout);
            if (status >= 200 || status == 101) break; // 1xx interim responses carry no body (RFC 9110 §15.2)
        }
        if (status == 101) throw new IOException("the endpoint switched protocols (101) on a POST");
        boolean complete;
        Kept kept;
        if (status == 204 || status == 304) {
            kept = new Kept(0);
            complete = true;
        } else if (h.chunked) {
            kept = new Kept(Math.min(keep, 1024));
            complete = chunked(c, kept, keep, deadline, timeout);
        } else if (h.contentLength >= 0) {
            kept = new Kept((int) Math.min(keep, h.contentLength));
            complete = fixed(c, kept, keep, h.contentLength, deadline, timeout);
        } else {
            kept = new Kept(Math.min(keep, 1024));
            fixed(c, kept, keep, Long.MAX_VALUE, deadline, timeout);
            complete = false;
        }
        if (complete && http11 && !h.close && !closed) {
            c.watch.deadline = 0; // idle in the pool: no deadline (the next exchange arms its own)
            release(origin, c);
        } else c.close();
        return new Response(status, kept.bytes());
    }

    /**
     * The status of an HTTP/1.0 or 1.1 status line (RFC 9112 §4: {@code HTTP/1.[01] [1-5]DD}, then nothing or a
     * space and a reason phrase without CR or NEL), -1 when it is not one.
     */
    static int status(String line) {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || (line.charAt(7) != '0' && line.charAt(7) != '1')
                || line.charAt(8) != ' ') return -1;
        char a = line.charAt(9);
        char b = line.charAt(10);
        char c = line.charAt(11);
        if (a < '1' || a > '5' || b < '0' || b > '9' || c < '0' || c > '9') return -1;
        if (line.length() > 12) {
            if (line.charAt(12) != ' ') return -1;
            for (int i = 13; i < line.length(); i++) if (line.charAt(i) == '\r' || line.charAt(i) == '\u0085') return -1;
        }
        return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
    }

    /** The first bytes of a response body, in an array grown as they come. */
    private static final class Kept {
        private byte[] bytes;
        private int size;

        Kept(int capacity) {
            bytes = capacity <= 0 ? EMPTY : new byte[capacity];
        }

        void add(byte[] from, int off, int n) {
            if (n <= 0) return;
            if (size + n > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(size + n, bytes.length * 2));
            System.arraycopy(from, off, bytes, size, n);
            size += n;
        }

        byte[] bytes() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }
    }

    private record Headers(long contentLength, boolean chunked, boolean close) {}

    private static Headers headers(Connection c, long deadline, Duration timeout) throws IOException {
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (int n = 0; ; n++) {
            String line = line(c, deadline, timeout, false);
            if (line.isEmpty()) return new Headers(length, chunked, close);
            if (n >= MAX_HEADERS) throw new IOException("more than " + MAX_HEADERS + " header lines in the response");
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IOException("not a header line: \"" + printable(line) + "\"");
            int from = 0;
            int to = colon;
            while (from < to && line.charAt(from) <= ' ') from++; // as String.trim()
            while (to > from && line.charAt(to - 1) <= ' ') to--;
            if (named(line, from, to, "content-length")) {
                String value = line.substring(colon + 1).trim();
                long v = decimal(value);
                if (v < 0) throw new IOException("bad Content-Length: \"" + printable(value) + "\"");
                if (length >= 0 && length != v) throw new IOException("two different Content-Length headers: " + length + " and " + v);
                length = v;
            } else if (named(line, from, to, "transfer-encoding")) {
                String value = line.substring(colon + 1).trim();
                String[] codings = value.toLowerCase(Locale.ROOT).split(",");
                if (codings.length == 0) throw new IOException("bad Transfer-Encoding: \"" + printable(value) + "\"");
                chunked = codings[codings.length - 1].trim().equals("chunked");
                if (!chunked) close = true; // read to the end of the connection (RFC 9112 §6.3)
            } else if (named(line, from, to, "connection")) {
                for (String t : line.substring(colon + 1).trim().toLowerCase(Locale.ROOT).split(",")) if (t.trim().equals("close")) close = true;
            }
        }
    }

    /** True when {@code line[from, to)} is {@code name} (lower case, ASCII) in any case. */
    private static boolean named(String line, int from, int to, String name) {
        return to - from == name.length() && line.regionMatches(true, from, name, 0, name.length());
    }

    /** The value of 1 to 18 decimal digits, -1 for anything else. */
    static long decimal(String s) {
        if (s.isEmpty() || s.length() > 18) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The value of 1 to 15 hex digits, -1 for anything else. */
    static long hex(String s) {
        if (s.isEmpty() || s.length() > 15) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 'f') return -1;
            v = v << 4 | d;
        }
        return v;
    }

    /**
     * Reads {@code length} body bytes (to the end of the connection when {@code Long.MAX_VALUE}) straight from the
     * connection's buffer, keeping the first {@code keep}; true when complete.
     */
    private static boolean fixed(Connection c, Kept kept, int keep, long length, long deadline, Duration timeout) throws IOException {
        long read = 0;
        while (read < length) {
            if (read >= MAX_DRAIN) return false;
            if (c.pos == c.lim && !c.fill(deadline, timeout)) {
                if (length == Long.MAX_VALUE) return true;
                throw new EOFException("the response body ended after " + read + " of " + length + " bytes");
            }
            int n = (int) Math.min(c.lim - c.pos, length - read);
            kept.add(c.buf, c.pos, (int) Math.min(n, Math.max(0, keep - kept.size)));
            c.pos += n;
            read += n;
        }
        return true;
    }

    private static boolean chunked(Connection c, Kept kept, int keep, long deadline, Duration timeout) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = line(c, deadline, timeout, false);
            int semi = sizeLine.indexOf(';');
            long size = hex((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim());
            if (size < 0) throw new IOException("bad chunk size: \"" + printable(sizeLine) + "\"");
            if (size == 0) {
                headers(c, deadline, timeout); // trailer section
                return true;
            }
            total += size;
            if (total > MAX_DRAIN) return false;
            if (!fixed(c, kept, keep, size, deadline, timeout)) return false;
            if (!line(c, deadline, timeout, false).isEmpty()) throw new IOException("chunk data not followed by CRLF");
        }
    }

    /** One line without its CRLF (a bare LF is accepted as the end, RFC 9112 §2.2). */
    private static String line(Connection c, long deadline, Duration timeout, boolean first) throws IOException {
        String buffered = c.bufferedLine();
        if (buffered != null) return buffered;
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = c.read(deadline, timeout);
            if (b < 0) {
                if (first && sb.isEmpty()) throw new EOFException("the connection closed before a response");
                throw new EOFException("the connection closed in the middle of a line: \"" + printable(sb.toString()) + "\"");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) throw new IOException("a response line longer than " + MAX_LINE + " octets");
            sb.append((char) b);
        }
    }

    private Connection open(String scheme, String host, int port, long deadline, Duration timeout) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new HttpTimeoutException("no connection within " + timeout);
        Socket plain = new Socket();
        Watch w = new Watch(plain, watched);
        w.deadline = deadline; // connect and handshake block without a socket timeout: the watchdog ends them
        try {
            plain.setTcpNoDelay(true);
            try {
                plain.connect(new InetSocketAddress(host, port));
            } catch (IOException e) {
                if (w.expired) throw new HttpTimeoutException("no connection to " + host + ":" + port + " within " + timeout);
                throw e;
            }
            if (!scheme.equals("https")) return new Connection(plain, w);
            SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
            w.socket = tls;
            SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(p);
            try {
                tls.startHandshake();
            } catch (IOException e) {
                if (w.expired) throw new HttpTimeoutException("no TLS handshake with " + host + ":" + port + " within " + timeout);
                throw e;
            }
            return new Connection(tls, w);
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private Connection pooled(String origin) {
        Idle q = idle.get(origin);
        if (q == null) return null;
        for (Connection c; (c = q.poll()) != null; ) {
            if (System.nanoTime() - c.idleSince < IDLE_NANOS && !c.socket.isClosed()) return c;
            c.close();
        }
        return null;
    }

    private void release(String origin, Connection c) {
        Idle q = idle.computeIfAbsent(origin, k -> new Idle());
        if (q.count.incrementAndGet() > MAX_IDLE_PER_ORIGIN) {
            q.count.decrementAndGet();
            c.close();
            return;
        }
        c.idleSince = System.nanoTime();
        q.connections.addLast(c);
        if (closed) close();
    }

    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
        for (Idle q : idle.values())
            for (Connection c; (c = q.poll()) != null; ) c.close();
    }
}
