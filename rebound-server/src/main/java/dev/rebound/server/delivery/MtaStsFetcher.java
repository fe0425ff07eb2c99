package dev.rebound.server.delivery;

import dev.rebound.core.tls.StsPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3) with a small HTTP/1.1 client
 * over a JDK {@link SSLSocket}, so that every rule of the RFC is ours to keep:
 * <ul>
 * <li>the host's addresses come from the delivery resolver ({@code dns.servers}), like the MX hosts;</li>
 * <li>the certificate must chain to a trusted root and name {@code mta-sts.<domain>} (PKIX, RFC 6125; SNI sent),
 *     a failure ends the fetch;</li>
 * <li>only {@code 200} is a policy; a 3xx is not followed, and no HTTP cache is involved;</li>
 * <li>the media type must be {@code text/plain} (parameters ignored), the body UTF-8 and at most
 *     {@value StsPolicy#MAX_BYTES} bytes (Content-Length, chunked or to the end of the connection);</li>
 * <li>one timeout bounds the connect, each read and the whole exchange; status line and headers are capped
 *     (8 KiB per line, 100 header lines).</li>
 * </ul>
 * The port is 443; tests construct it with the port of their loopback HTTPS server and trust anchors of their own.
 * Every failure comes back as {@link StsPolicy.Invalid} naming the URL and the problem; nothing throws.
 */
final class MtaStsFetcher {
    static final String PATH = "/.well-known/mta-sts.txt";
    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] ([1-5][0-9]{2})(?: (.*))?");

    private final MxResolver resolver;
    private final TlsTrust trust;
    private final int port;
    private final Duration timeout;

    MtaStsFetcher(MxResolver resolver, TlsTrust trust, int port, Duration timeout) {
        this.resolver = resolver;
        this.trust = trust;
        this.port = port;
        this.timeout = timeout;
    }

    /** The policy host for a domain: {@code mta-sts.} + the domain's A-label form. */
    static String policyHost(String domain) {
        String d = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        return "mta-sts." + (d.endsWith(".") ? d.substring(0, d.length() - 1) : d);
    }

    /** Fetches and parses the policy of {@code domain}. */
    StsPolicy.Parse fetch(String domain) {
        String host;
        try {
            host = policyHost(domain);
        } catch (IllegalArgumentException e) {
            return new StsPolicy.Invalid("not a domain name: \"" + domain + "\"");
        }
        String url = "https://" + host + (port == 443 ? "" : ":" + port) + PATH;
        MxResolver.Addresses a = resolver.addresses(host);
        if (a.addresses().isEmpty()) return new StsPolicy.Invalid(url + ": no address for " + host + " (" + a.detail() + ")");
        String last = "";
        for (InetAddress ip : a.addresses().subList(0, Math.min(2, a.addresses().size()))) {
            try {
                return StsPolicy.parse(get(host, ip, url));
            } catch (FetchProblem e) {
                return new StsPolicy.Invalid(url + " [" + ip.getHostAddress() + "]: " + e.getMessage());
            } catch (IOException | GeneralSecurityException e) {
                // connection-level failure: the next address may work
                last = url + " [" + ip.getHostAddress() + "]: " + (e instanceof SocketTimeoutException ? "timed out after "
                        + timeout.toMillis() + " ms" : e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return new StsPolicy.Invalid(last);
    }

    /** A response that is not a policy (status, type, size, encoding): another address would not help. */
    private static final class FetchProblem extends IOException {
        FetchProblem(String message) {
            super(message);
        }
    }

    private String get(String host, InetAddress ip, String url) throws IOException, GeneralSecurityException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int ms = (int) Math.max(1, timeout.toMillis());
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(ip, port), ms);
            plain.setSoTimeout(ms);
            try (SSLSocket ssl = (SSLSocket) trust.strict().getSocketFactory().createSocket(plain, host, port, true)) {
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(List.of(new SNIHostName(host)));
                ssl.setSSLParameters(p);
                ssl.startHandshake();
                OutputStream out = ssl.getOutputStream();
                out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + host + (port == 443 ? "" : ":" + port)
                        + "\r\nUser-Agent: rebound-mta-sts\r\nAccept: text/plain\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return read(new Deadline(ssl.getInputStream(), deadline, timeout));
            }
        }
    }

    private static String read(Deadline in) throws IOException {
        String statusLine = line(in);
        Matcher m = STATUS.matcher(statusLine);
        if (!m.matches()) throw new FetchProblem("not an HTTP/1.x status line: \"" + printable(statusLine) + "\"");
        int status = Integer.parseInt(m.group(1));
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; ; i++) {
            if (i > MAX_HEADERS) throw new FetchProblem("more than " + MAX_HEADERS + " header lines");
            String h = line(in);
            if (h.isEmpty()) break;
            int colon = h.indexOf(':');
            if (colon <= 0) throw new FetchProblem("malformed header line \"" + printable(h) + "\"");
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (headers.containsKey(name) && (name.equals("content-length") || name.equals("content-type") || name.equals("transfer-encoding"))) {
                throw new FetchProblem("duplicate " + name + " header");
            }
            headers.put(name, value);
        }
        if (status >= 300 && status < 400) {
            throw new FetchProblem("HTTP " + status + " redirect to \"" + printable(headers.getOrDefault("location", ""))
                    + "\" not followed (RFC 8461 §3.3)");
        }
        if (status != 200) throw new FetchProblem("HTTP " + status + " " + printable(m.group(2) == null ? "" : m.group(2)));
        String type = headers.getOrDefault("content-type", "");
        String media = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("text/plain")) {
            throw new FetchProblem("Content-Type \"" + printable(type) + "\" is not text/plain (RFC 8461 §3.2)");
        }
        byte[] body;
        String te = headers.getOrDefault("transfer-encoding", "").trim().toLowerCase(Locale.ROOT);
        if (te.equals("chunked")) body = chunked(in);
        else if (!te.isEmpty()) throw new FetchProblem("unsupported Transfer-Encoding \"" + printable(te) + "\"");
        else if (headers.containsKey("content-length")) body = fixed(in, headers.get("content-length"));
        else body = toEnd(in);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new FetchProblem("the policy is not UTF-8 text");
        }
    }

    private static byte[] fixed(Deadline in, String lengthHeader) throws IOException {
        long n;
        try {
            n = Long.parseLong(lengthHeader.trim());
        } catch (NumberFormatException e) {
            throw new FetchProblem("bad Content-Length \"" + printable(lengthHeader) + "\"");
        }
        if (n < 0) throw new FetchProblem("bad Content-Length \"" + printable(lengthHeader) + "\"");
        if (n > StsPolicy.MAX_BYTES) throw new FetchProblem("policy of " + n + " bytes exceeds " + StsPolicy.MAX_BYTES + " bytes");
        byte[] b = in.readNBytes((int) n);
        if (b.length != n) throw new FetchProblem("connection closed after " + b.length + " of " + n + " bytes");
        return b;
    }

    private static byte[] toEnd(Deadline in) throws IOException {
        byte[] b = in.readNBytes(StsPolicy.MAX_BYTES + 1);
        if (b.length > StsPolicy.MAX_BYTES) throw new FetchProblem("policy exceeds " + StsPolicy.MAX_BYTES + " bytes");
        return b;
    }

    private static byte[] chunked(Deadline in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int semi = size.indexOf(';');
            String hex = (semi >= 0 ? size.substring(0, semi) : size).trim();
            int n;
            try {
                n = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new FetchProblem("bad chunk size \"" + printable(size) + "\"");
            }
            if (n < 0 || body.size() + (long) n > StsPolicy.MAX_BYTES) throw new FetchProblem("policy exceeds " + StsPolicy.MAX_BYTES + " bytes");
            if (n == 0) {
                for (int i = 0; !line(in).isEmpty(); i++) if (i > MAX_HEADERS) throw new FetchProblem("too many trailer lines");
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length != n) throw new FetchProblem("connection closed inside a chunk");
            body.write(chunk);
            if (!line(in).isEmpty()) throw new FetchProblem("chunk not followed by CRLF");
        }
    }

    /** One line ended by CRLF (or LF), at most {@value #MAX_LINE} bytes, without the ending. */
    private static String line(Deadline in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) throw new FetchProblem("connection closed in the middle of the response head");
            if (c == '\n') break;
            if (b.size() >= MAX_LINE) throw new FetchProblem("a response line exceeds " + MAX_LINE + " bytes");
            b.write(c);
        }
        byte[] bytes = b.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c >= 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    /** The response stream with the fetch's total deadline checked on every read. */
    private static final class Deadline extends InputStream {
        private final InputStream in;
        private final long deadline;
        private final Duration timeout;

        Deadline(InputStream in, long deadline, Duration timeout) {
            this.in = new java.io.BufferedInputStream(in, 8192);
            this.deadline = deadline;
            this.timeout = timeout;
        }

        private void check() throws SocketTimeoutException {
            if (System.nanoTime() - deadline > 0) throw new SocketTimeoutException("fetch exceeded " + timeout.toMillis() + " ms");
        }

        @Override
        public int read() throws IOException {
            check();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return in.read(b, off, len);
        }
    }
}
