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
        socket = new Socket("127.0.0.1", port);
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
