package dev.rebound.server.delivery;

import dev.rebound.core.smtp.ReplyAccumulator;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyException;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads one SMTP reply from a connection: splits the stream into lines (LF-terminated, a preceding CR
 * dropped, at most {@link SmtpReplyParser#MAX_LINE_OCTETS} octets, checked before the line is complete) and
 * hands them to the core {@link ReplyAccumulator}, which applies RFC 5321 §4.2 strictly. A malformed reply
 * becomes a {@link ProtocolException} (an {@link IOException}: the connection is not trusted any more),
 * quoting the line; end of stream an {@link EOFException}.
 */
final class ReplyReader {
    private ReplyReader() {}

    static SmtpReply read(InputStream in) throws IOException {
        ReplyAccumulator acc = new ReplyAccumulator();
        byte[] buf = new byte[128];
        while (true) {
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException(n == 0 && !acc.inProgress() ? "connection closed by the server"
                            : "connection closed inside a reply");
                }
                if (b == '\n') break;
                if (n + 2 > SmtpReplyParser.MAX_LINE_OCTETS) { // n octets so far + this one + LF
                    throw new ProtocolException("reply line longer than " + SmtpReplyParser.MAX_LINE_OCTETS
                            + " octets: \"" + new String(buf, 0, Math.min(n, 120), StandardCharsets.UTF_8) + "...\"");
                }
                if (n == buf.length) buf = java.util.Arrays.copyOf(buf, n * 2);
                buf[n++] = (byte) b;
            }
            if (n > 0 && buf[n - 1] == '\r') n--;
            try {
                Optional<SmtpReply> r = acc.acceptLine(new String(buf, 0, n, StandardCharsets.UTF_8));
                if (r.isPresent()) return r.get();
            } catch (SmtpReplyException e) {
                throw new ProtocolException(e.getMessage());
            }
        }
    }
}
