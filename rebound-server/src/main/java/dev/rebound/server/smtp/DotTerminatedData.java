package dev.rebound.server.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The DATA section of an SMTP transaction (RFC 5321 §4.5.2, §4.1.1.4), read in blocks: ends at CRLF "." CRLF,
 * removes the leading "." of any other line beginning with one (dot-unstuffing), and leaves every other byte,
 * bare CR and LF included, for the caller to judge. The terminator counts only after a CRLF, so a bare LF
 * followed by "." CRLF is data (the SMTP smuggling guard then refuses the message).
 *
 * <p>Why not SubEthaSMTP's own streams: they pass the data one byte per call through three streams, which was
 * the single largest CPU cost of intake under load. This reads up to 8 KB per call from the session's buffered
 * input, marking it first; when the terminator ends inside a block, the input is reset and skipped to just
 * after the terminator, so the next command (pipelined QUIT, MAIL) is left for the session to read.
 */
final class DotTerminatedData extends InputStream {
    private static final int LINE_START = 0; // after CRLF (or at the start of the data)
    private static final int DOT = 1;        // "." at the start of a line
    private static final int DOT_CR = 2;     // "." CR at the start of a line
    private static final int IN_LINE = 3;
    private static final int CR = 4;         // CR inside a line

    private final InputStream in;
    private final byte[] block = new byte[8192];
    private final byte[] decoded = new byte[8192 + 1];
    private int pos;
    private int len;
    private int state = LINE_START;
    private boolean end;

    /** @param in the session's input; must support {@link InputStream#mark} (SubEthaSMTP's is buffered) */
    DotTerminatedData(InputStream in) {
        if (!in.markSupported()) throw new IllegalArgumentException("the SMTP session input must support mark/reset");
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) return -1;
        return decoded[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) return 0;
        if (!fill()) return -1;
        int k = Math.min(n, len - pos);
        System.arraycopy(decoded, pos, b, off, k);
        pos += k;
        return k;
    }

    /** Decodes the next block when the current one is used up; false once the terminator was passed. */
    private boolean fill() throws IOException {
        while (pos == len) {
            if (end) return false;
            pos = 0;
            len = 0;
            in.mark(block.length);
            int n = in.read(block, 0, block.length);
            if (n < 0) throw new EOFException("connection closed before the end of DATA (CRLF.CRLF)");
            int used = decode(n);
            if (end && used < n) {
                in.reset();
                in.skipNBytes(used);
            }
        }
        return true;
    }

    /** Decodes {@code block[0..n)} into {@link #decoded}; returns the bytes consumed (all, or up to the terminator). */
    private int decode(int n) {
        int o = 0;
        int s = state;
        for (int i = 0; i < n; i++) {
            byte b = block[i];
            switch (s) {
                case LINE_START -> {
                    if (b == '.') s = DOT;
                    else {
                        decoded[o++] = b;
                        s = b == '\r' ? CR : IN_LINE;
                    }
                }
                case DOT -> { // the leading dot is dropped whatever follows, unless it is the terminator
                    if (b == '\r') s = DOT_CR;
                    else {
                        decoded[o++] = b;
                        s = IN_LINE;
                    }
                }
                case DOT_CR -> {
                    if (b == '\n') {
                        state = LINE_START;
                        end = true;
                        len = o;
                        return i + 1;
                    }
                    decoded[o++] = '\r'; // "." CR x: the CR was data
                    decoded[o++] = b;
                    s = b == '\r' ? CR : IN_LINE;
                }
                case IN_LINE -> { // the bulk of the data: copy the run up to the next CR at once
                    int j = i;
                    while (j < n && block[j] != '\r') j++;
                    System.arraycopy(block, i, decoded, o, j - i);
                    o += j - i;
                    if (j < n) {
                        decoded[o++] = '\r';
                        s = CR;
                    }
                    i = j; // at the CR (consumed above) or at n; the loop steps past it
                }
                default -> { // CR
                    decoded[o++] = b;
                    s = b == '\n' ? LINE_START : b == '\r' ? CR : IN_LINE;
                }
            }
        }
        state = s;
        len = o;
        return n;
    }
}
