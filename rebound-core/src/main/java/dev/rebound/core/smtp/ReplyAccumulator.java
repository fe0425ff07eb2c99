package dev.rebound.core.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Incremental reader of SMTP replies for a client reading a socket (RFC 5321 §4.2). Two ways in:
 * <ul>
 *   <li>{@link #acceptLine(String)}: one line at a time, without its CRLF, e.g. from a line reader; returns the
 *       complete {@link SmtpReply} when its last line (code followed by SP or nothing) arrives;</li>
 *   <li>{@link #feed(byte[], int, int)}: raw bytes in chunks of any size; returns every reply completed by
 *       that chunk. Lines end at LF (a preceding CR is dropped); octets are decoded as UTF-8.</li>
 * </ul>
 * The same checks and caps as {@link SmtpReplyParser} apply, and they apply while bytes arrive: a line that
 * grows past {@link SmtpReplyParser#MAX_LINE_OCTETS} without a LF is rejected before it is complete, so a
 * hostile server cannot make us buffer without bound. After an exception the accumulator is reset and
 * should be discarded together with the connection. Not thread-safe (one per connection).
 */
public final class ReplyAccumulator {
    private final List<String> texts = new ArrayList<>();
    private int code = -1;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream(128);

    /**
     * Adds one line (without CR LF).
     *
     * @return the reply when this line was its last, otherwise empty
     * @throws SmtpReplyException when the line is malformed, its code differs from the reply's earlier
     *                            lines, or the reply exceeds {@link SmtpReplyParser#MAX_LINES} lines
     */
    public Optional<SmtpReply> acceptLine(String line) {
        if (line == null) throw new SmtpReplyException("null reply line", "");
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            reset();
            throw new SmtpReplyException("reply line contains a bare CR or LF (lines end with CRLF)", line);
        }
        SmtpReplyParser.Line l;
        try {
            l = SmtpReplyParser.parseLine(line);
        } catch (SmtpReplyException e) {
            reset();
            throw e;
        }
        if (code >= 0 && l.code() != code) {
            int expected = code;
            reset();
            throw new SmtpReplyException("reply code " + l.code() + " differs from " + expected
                    + " on the earlier lines of the same reply", line);
        }
        if (texts.size() >= SmtpReplyParser.MAX_LINES) {
            reset();
            throw new SmtpReplyException("reply has more than " + SmtpReplyParser.MAX_LINES + " lines", line);
        }
        code = l.code();
        texts.add(l.text());
        if (l.more()) return Optional.empty();
        SmtpReply reply = SmtpReplyParser.build(code, texts);
        reset();
        return Optional.of(reply);
    }

    /**
     * Adds raw bytes as read from the connection.
     *
     * @return the replies completed by these bytes, in order (usually zero or one)
     */
    public List<SmtpReply> feed(byte[] buf, int off, int len) {
        List<SmtpReply> out = List.of();
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (b == '\n') {
                byte[] raw = partial.toByteArray();
                partial.reset();
                int n = raw.length;
                if (n > 0 && raw[n - 1] == '\r') n--;
                String line = new String(raw, 0, n, StandardCharsets.UTF_8);
                Optional<SmtpReply> r = acceptLine(line);
                if (r.isPresent()) {
                    if (out.isEmpty()) out = new ArrayList<>(1);
                    out.add(r.get());
                }
            } else {
                if (partial.size() + 1 >= SmtpReplyParser.MAX_LINE_OCTETS) {
                    String head = partial.toString(StandardCharsets.UTF_8);
                    partial.reset();
                    reset();
                    throw new SmtpReplyException("reply line longer than " + SmtpReplyParser.MAX_LINE_OCTETS
                            + " octets including CRLF (no LF yet)", head);
                }
                partial.write(b);
            }
        }
        return out;
    }

    /** Shorthand for {@code feed(buf, 0, buf.length)}. */
    public List<SmtpReply> feed(byte[] buf) {
        return feed(buf, 0, buf.length);
    }

    /** True while a multi-line reply or a partial line is pending. */
    public boolean inProgress() {
        return code >= 0 || partial.size() > 0;
    }

    private void reset() {
        texts.clear();
        code = -1;
    }
}
