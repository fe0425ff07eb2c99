package dev.rebound.server.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
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
 * answer); one deadline for connect, request and the whole response ({@link HttpTimeoutException} when it passes);
 * interim 1xx responses skipped; the body read by {@code Content-Length}, chunked coding (RFC 9112 §7.1) or to the
 * end of the connection, its first {@code keep} bytes returned and the rest read and dropped up to
 * {@link #MAX_DRAIN} (beyond that the connection is closed instead). Strict and capped: a status line or header
 * line over {@link #MAX_LINE} octets, more than {@link #MAX_HEADERS} header lines, a malformed status line, chunk
 * size or {@code Content-Length}, or two different {@code Content-Length}s end the exchange with an
 * {@link IOException} quoting what came. A connection is reused only after a complete HTTP/1.1 response without
 * {@code Connection: close}; a reused connection that the server closed while idle (no byte of a response read)
 * is replaced once by a new one.
 */
final class HttpPost implements AutoCloseable {
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 100;
    static final long MAX_DRAIN = 1 << 20;
    /** Idle connections older than this are not reused (servers close idle keep-alive connections after 5–60 s). */
    private static final long IDLE_NANOS = Duration.ofSeconds(4).toNanos();
    private static final int MAX_IDLE_PER_ORIGIN = 256;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [1-5][0-9][0-9]( .*)?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,15}");

    /** The status and the first bytes of the body. */
    record Response(int status, byte[] body) {}

    /**
     * A kept-alive connection. Responses are read through its own buffer, so the read deadline is armed (one
     * {@code setSoTimeout}) only before a read that goes to the socket, never per byte: a
     * {@code BufferedInputStream}'s {@code available()} asks the socket (a system call) on every call.
     */
    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[8192];
        int pos;
        int lim;
        long idleSince;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** One byte, -1 at the end of the connection. */
        int read(long deadline, Duration timeout) throws IOException {
            if (pos == lim && !fill(deadline, timeout)) return -1;
            return buf[pos++] & 0xff;
        }

        /** Up to {@code len} bytes into {@code to}, -1 at the end of the connection. */
        int read(byte[] to, int off, int len, long deadline, Duration timeout) throws IOException {
            if (pos == lim && !fill(deadline, timeout)) return -1;
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, to, off, n);
            pos += n;
            return n;
        }

        /** Reads what the socket has (at least one byte) within what is left of the deadline; false at its end. */
        private boolean fill(long deadline, Duration timeout) throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new HttpTimeoutException("no complete response within " + timeout);
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int n = in.read(buf, 0, buf.length);
            if (n < 0) return false;
            pos = 0;
            lim = n;
            return true;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we give up anyway
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

    private final Map<String, Idle> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * POSTs {@code body} to {@code uri} with {@code headers} (name, value pairs; {@code Host} and
     * {@code Content-Length} are added) and returns the status and the first {@code keep} bytes of the answer.
     */
    Response post(URI uri, List<Map.Entry<String, String>> headers, byte[] body, Duration timeout, int keep) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw new IllegalArgumentException("not an http(s) URL: " + uri);
        String host = uri.getHost();
        if (host == null) throw new IllegalArgumentException("URL without a host: " + uri);
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        byte[] head = head(uri, host, headers, body.length);
        long deadline = System.nanoTime() + timeout.toNanos();
        String origin = scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
        String address = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        Connection c = pooled(origin);
        boolean reused = c != null;
        if (c == null) c = open(scheme, address, port, deadline, timeout);
        try {
            return exchange(c, origin, head, body, deadline, timeout, keep);
        } catch (StaleConnection e) {
            c.close();
            if (!reused) throw e.getCause();
            Connection fresh = open(scheme, address, port, deadline, timeout);
            try {
                return exchange(fresh, origin, head, body, deadline, timeout, keep);
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

    private Response exchange(Connection c, String origin, byte[] head, byte[] body, long deadline, Duration timeout, int keep)
            throws IOException {
        try {
            // one write: head and body leave in one segment where they fit (no second system call, no small
            // trailing segment)
            byte[] request = new byte[head.length + body.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            c.out.write(request);
            c.out.flush();
        } catch (IOException e) {
            throw new StaleConnection(e);
        }
        int status;
        String version;
        Headers h;
        while (true) {
            String statusLine;
            try {
                statusLine = line(c, deadline, timeout, true);
            } catch (EOFException e) {
                throw new StaleConnection(e);
            }
            if (!STATUS_LINE.matcher(statusLine).matches())
                throw new IOException("not an HTTP/1.x status line: \"" + printable(statusLine) + "\"");
            version = statusLine.substring(0, 8);
            status = Integer.parseInt(statusLine.substring(9, 12));
            h = headers(c, deadline, timeout);
            if (status >= 200 || status == 101) break; // 1xx interim responses carry no body (RFC 9110 §15.2)
        }
        if (status == 101) throw new IOException("the endpoint switched protocols (101) on a POST");
        ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(keep, 1024));
        boolean complete;
        if (status == 204 || status == 304) {
            complete = true;
        } else if (h.chunked) {
            complete = chunked(c, kept, keep, deadline, timeout);
        } else if (h.contentLength >= 0) {
            complete = fixed(c, kept, keep, h.contentLength, deadline, timeout);
        } else {
            fixed(c, kept, keep, Long.MAX_VALUE, deadline, timeout);
            complete = false;
        }
        if (complete && version.equals("HTTP/1.1") && !h.close && !closed) release(origin, c);
        else c.close();
        return new Response(status, kept.toByteArray());
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
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    if (!DIGITS.matcher(value).matches()) throw new IOException("bad Content-Length: \"" + printable(value) + "\"");
                    long v = Long.parseLong(value);
                    if (length >= 0 && length != v) throw new IOException("two different Content-Length headers: " + length + " and " + v);
                    length = v;
                }
                case "transfer-encoding" -> {
                    String[] codings = value.toLowerCase(Locale.ROOT).split(",");
                    chunked = codings[codings.length - 1].trim().equals("chunked");
                    if (!chunked) close = true; // read to the end of the connection (RFC 9112 §6.3)
                }
                case "connection" -> {
                    for (String t : value.toLowerCase(Locale.ROOT).split(",")) if (t.trim().equals("close")) close = true;
                }
                default -> {
                    // not needed to read the response
                }
            }
        }
    }

    /** Reads {@code length} body bytes (to the end of the connection when {@code Long.MAX_VALUE}); true when complete. */
    private static boolean fixed(Connection c, ByteArrayOutputStream kept, int keep, long length, long deadline, Duration timeout)
            throws IOException {
        byte[] buf = new byte[8192];
        long read = 0;
        while (read < length) {
            if (read >= MAX_DRAIN) return false;
            int n = c.read(buf, 0, (int) Math.min(buf.length, length - read), deadline, timeout);
            if (n < 0) {
                if (length == Long.MAX_VALUE) return true;
                throw new EOFException("the response body ended after " + read + " of " + length + " bytes");
            }
            int k = (int) Math.min(n, Math.max(0, keep - kept.size()));
            kept.write(buf, 0, k);
            read += n;
        }
        return true;
    }

    private static boolean chunked(Connection c, ByteArrayOutputStream kept, int keep, long deadline, Duration timeout) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = line(c, deadline, timeout, false);
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            if (!HEX.matcher(hex).matches()) throw new IOException("bad chunk size: \"" + printable(sizeLine) + "\"");
            long size = Long.parseLong(hex, 16);
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

    private static byte[] head(URI uri, String host, List<Map.Entry<String, String>> headers, int length) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path += "?" + uri.getRawQuery();
        StringBuilder sb = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host);
        if (uri.getPort() > 0) sb.append(':').append(uri.getPort());
        sb.append("\r\nContent-Length: ").append(length).append("\r\n");
        for (Map.Entry<String, String> e : headers) {
            String v = e.getValue();
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0 || e.getKey().indexOf(':') >= 0)
                throw new IllegalArgumentException("header " + e.getKey() + " has a line break or colon");
            sb.append(e.getKey()).append(": ").append(v).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private Connection open(String scheme, String host, int port, long deadline, Duration timeout) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new HttpTimeoutException("no connection within " + timeout);
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            try {
                plain.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            } catch (SocketTimeoutException e) {
                throw new HttpTimeoutException("no connection to " + host + ":" + port + " within " + timeout);
            }
            if (!scheme.equals("https")) return new Connection(plain);
            SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
            SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(p);
            tls.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000)));
            tls.startHandshake();
            return new Connection(tls);
        } catch (IOException | RuntimeException e) {
            plain.close();
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
        for (Idle q : idle.values())
            for (Connection c; (c = q.poll()) != null; ) c.close();
    }
}
