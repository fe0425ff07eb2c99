package dev.rebound.server.delivery;

import dev.rebound.core.smtp.EnhancedStatus;
import dev.rebound.core.smtp.SmtpReply;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one SMTP reply (RFC 5321 §4.2) strictly: every line is {@code NNN-text} or {@code NNN text} (or just
 * {@code NNN}), ends with CRLF, all lines carry the same code, and the last one uses a space. Size caps:
 * {@value #MAX_LINE} bytes per line (RFC 5321 §4.5.3.1.5 allows 512; real servers exceed it) and
 * {@value #MAX_LINES} lines. Anything else throws {@link ProtocolException} quoting the line.
 */
final class ReplyReader {
    static final int MAX_LINE = 2048;
    static final int MAX_LINES = 200;

    private ReplyReader() {}

    static SmtpReply read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine(in);
            if (line.length() < 3 || !isDigits(line.substring(0, 3))) {
                throw new ProtocolException("reply line does not start with a 3-digit code: \"" + quote(line) + "\"");
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (c < 200 || c > 599) throw new ProtocolException("reply code out of range 200-599: \"" + quote(line) + "\"");
            if (code >= 0 && c != code) {
                throw new ProtocolException("multi-line reply changes code from " + code + " to " + c + ": \"" + quote(line) + "\"");
            }
            code = c;
            boolean last;
            String text;
            if (line.length() == 3) {
                last = true;
                text = "";
            } else if (line.charAt(3) == ' ' || line.charAt(3) == '-') {
                last = line.charAt(3) == ' ';
                text = line.substring(4);
            } else {
                throw new ProtocolException("reply line has no space or hyphen after the code: \"" + quote(line) + "\"");
            }
            lines.add(text);
            if (last) break;
            if (lines.size() >= MAX_LINES) throw new ProtocolException("reply longer than " + MAX_LINES + " lines");
        }
        // RFC 3463 §2 / RFC 2034: the enhanced code is the first word of the text
        String first = lines.getFirst().stripLeading();
        int sp = first.indexOf(' ');
        return new SmtpReply(code, lines, EnhancedStatus.tryParse(sp < 0 ? first : first.substring(0, sp)));
    }

    private static String readLine(InputStream in) throws IOException {
        byte[] buf = new byte[128];
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException(n == 0 ? "connection closed by the server"
                        : "connection closed inside a reply line: \"" + quote(new String(buf, 0, n, StandardCharsets.UTF_8)) + "\"");
            }
            if (b == '\n') {
                if (n == 0 || buf[n - 1] != '\r') {
                    throw new ProtocolException("reply line ends with a bare LF: \""
                            + quote(new String(buf, 0, n, StandardCharsets.UTF_8)) + "\"");
                }
                return new String(buf, 0, n - 1, StandardCharsets.UTF_8);
            }
            if (n == MAX_LINE) throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
            if (n == buf.length) buf = java.util.Arrays.copyOf(buf, Math.min(MAX_LINE, n * 2));
            buf[n++] = (byte) b;
        }
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static String quote(String s) {
        String t = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return t.replace("\r", "\\r").replace("\n", "\\n");
    }
}
