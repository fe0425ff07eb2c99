package dev.rebound.server.delivery;

import java.io.ByteArrayOutputStream;

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
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + content.length / 32 + 8);
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') i++;
                out.write('\r');
                out.write('\n');
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = false;
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write('.');
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /** True when any byte is outside 7-bit ASCII (then BODY=8BITMIME is declared if the server offers it). */
    static boolean hasEightBit(byte[] content) {
        for (byte b : content) if (b < 0) return true;
        return false;
    }
}
