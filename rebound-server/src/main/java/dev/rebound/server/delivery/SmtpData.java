package dev.rebound.server.delivery;

import java.util.Arrays;

/**
 * The DATA payload as sent on the wire (RFC 5321 §4.5.2 and §2.3.8): every line ending becomes CRLF (a bare
 * CR or bare LF is turned into CRLF, so the receiver cannot see a different line structure than we do: the
 * 2023 "SMTP smuggling" attacks relied on bare LF), a line starting with "." gets a second ".", the content
 * ends with CRLF, and the terminating ".CRLF" follows.
 */
final class SmtpData {
    private SmtpData() {}

    /** The encoded payload including the terminating {@code .CRLF}. */
    static byte[] encode(byte[] content) {
        if (onTheWireAlready(content)) {
            // The usual case (the SMTP listener refuses bare CR/LF): one check pass and a copy.
            byte[] out = Arrays.copyOf(content, content.length + 3);
            out[content.length] = '.';
            out[content.length + 1] = '\r';
            out[content.length + 2] = '\n';
            return out;
        }
        return transform(content);
    }

    /** True when {@code content} needs no change: CRLF line endings only, no line starting with ".", ends with CRLF. */
    static boolean onTheWireAlready(byte[] c) {
        int n = c.length;
        if (n < 2 || c[n - 2] != '\r' || c[n - 1] != '\n' || c[0] == '.') return false;
        for (int i = 0; i < n; i++) {
            byte b = c[i];
            if (b == '\r') {
                if (c[i + 1] != '\n') return false; // i + 1 < n: the last byte is LF
            } else if (b == '\n') {
                if (i == 0 || c[i - 1] != '\r') return false; // a bare LF
                if (i + 1 < n && c[i + 1] == '.') return false;
            }
        }
        return true;
    }

    /** The general encoding: line endings normalised, dots stuffed. */
    static byte[] transform(byte[] content) {
        byte[] out = new byte[encodedLength(content)];
        int n = 0;
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') i++;
                out[n++] = '\r';
                out[n++] = '\n';
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') out[n++] = '.';
            out[n++] = b;
            lineStart = false;
        }
        if (!lineStart) {
            out[n++] = '\r';
            out[n++] = '\n';
        }
        out[n++] = '.';
        out[n++] = '\r';
        out[n] = '\n';
        return out;
    }

    /** The exact size {@link #encode} produces (first pass, so the output is allocated once). */
    private static int encodedLength(byte[] content) {
        long n = 3;
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') i++;
                n += 2;
                lineStart = true;
                continue;
            }
            n += lineStart && b == '.' ? 2 : 1;
            lineStart = false;
        }
        if (!lineStart) n += 2;
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("message too large to encode: " + content.length + " bytes");
        return (int) n;
    }

    /** True when any byte is outside 7-bit ASCII (then BODY=8BITMIME is declared if the server offers it). */
    static boolean hasEightBit(byte[] content) {
        for (byte b : content) if (b < 0) return true;
        return false;
    }
}
