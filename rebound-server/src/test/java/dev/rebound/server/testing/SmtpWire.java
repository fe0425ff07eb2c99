package dev.rebound.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal raw-socket SMTP client for transcript tests: send bytes exactly, read whole replies. */
public final class SmtpWire implements AutoCloseable {
    public final Socket socket;
    public final BufferedReader in;
    public final OutputStream out;

    public SmtpWire(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Connects from the given local address (any of 127.0.0.0/8 on loopback), to test per-client limits. */
    public static SmtpWire from(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new java.net.InetSocketAddress(localAddress, 0));
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        return new SmtpWire(s);
    }

    private SmtpWire(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out = socket.getOutputStream();
    }

    /** Reads one (possibly multi-line) reply and returns its last line, or null at end of stream. */
    public String reply() throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) return null;
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Writes {@code raw} as is (ISO-8859-1) and reads the reply. */
    public String send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return reply();
    }

    /**
     * After a {@code 220} to STARTTLS: the TLS handshake on this socket (any server certificate accepted), and a
     * wire that talks through it. The plain-text reader must be empty (no pipelined data after STARTTLS).
     */
    public SmtpWire startTls() throws IOException {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
                public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
            }}, null);
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
            tls.setUseClientMode(true);
            tls.startHandshake();
            return new SmtpWire(tls);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
