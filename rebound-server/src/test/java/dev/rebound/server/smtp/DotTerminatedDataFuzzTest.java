package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Jazzer fuzz test of the DATA reader {@link DotTerminatedData} against a direct reading of RFC 5321 §4.5.2 and
 * §4.1.1.4: the data ends at the first CRLF "." CRLF (the CRLF belongs to the message; at the very start a lone
 * "." CRLF ends it), and a "." that begins a line (at the start or after CRLF) is removed. Whatever the bytes and
 * however the connection hands them out (short reads, 8 KB blocks, single-byte and bulk reads mixed), the reader
 * gives exactly that data, leaves every byte after the terminator unread (a pipelined command), and without a
 * terminator fails with {@link EOFException} after a prefix of the data. Seeds (a session's DATA with
 * dot-stuffing, a pipelined QUIT, bare LF and CR, a corpus bounce in CRLF form) are under
 * {@code src/test/resources/dev/rebound/server/smtp/DotTerminatedDataFuzzTestInputs/}.
 */
class DotTerminatedDataFuzzTest {
    private static final byte[] TERMINATOR = {'\r', '\n', '.', '\r', '\n'};

    @FuzzTest(maxDuration = "5m")
    void readsWhatRfc5321Says(byte[] wire) throws IOException {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(wire));
        BufferedInputStream session = new BufferedInputStream(new ShortReads(wire, random.split()), 8192);
        DotTerminatedData data = new DotTerminatedData(session);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean eof = false;
        try {
            byte[] buf = new byte[1 + random.nextInt(10_000)];
            while (true) {
                if (random.nextInt(8) == 0) {
                    int b = data.read();
                    if (b < 0) break;
                    got.write(b);
                } else {
                    int off = random.nextInt(buf.length);
                    int n = data.read(buf, off, random.nextInt(buf.length - off + 1));
                    if (n < 0) break;
                    got.write(buf, off, n);
                }
            }
        } catch (EOFException e) {
            eof = true;
        }

        int t = terminatorAt(wire);
        if (t < 0) {
            assertThat(eof).as("no CRLF.CRLF: the reader must fail at the end of the connection").isTrue();
            byte[] all = unstuff(wire, wire.length);
            assertThat(got.size()).isLessThanOrEqualTo(all.length);
            assertThat(Arrays.copyOf(all, got.size())).isEqualTo(got.toByteArray());
            return;
        }
        assertThat(eof).as("terminator at %d but EOFException", t).isFalse();
        assertThat(got.toByteArray()).isEqualTo(unstuff(wire, t));
        assertThat(session.readAllBytes()).as("the bytes after the terminator are the next command")
                .isEqualTo(Arrays.copyOfRange(wire, t + 3, wire.length));
        assertThat(data.read()).isEqualTo(-1);
    }

    /** Index of the end of the data: where "." CRLF starts a line after CRLF (or at 0); -1 when none. */
    private static int terminatorAt(byte[] wire) {
        if (wire.length >= 3 && wire[0] == '.' && wire[1] == '\r' && wire[2] == '\n') return 0;
        for (int i = 0; i + TERMINATOR.length <= wire.length; i++) {
            if (Arrays.equals(wire, i, i + TERMINATOR.length, TERMINATOR, 0, TERMINATOR.length)) return i + 2;
        }
        return -1;
    }

    /** {@code wire[0..end)} with the "." removed at the start of every line (line starts: 0 and after CRLF). */
    private static byte[] unstuff(byte[] wire, int end) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < end; i++) {
            boolean lineStart = i == 0 || i >= 2 && wire[i - 2] == '\r' && wire[i - 1] == '\n';
            if (lineStart && wire[i] == '.') continue;
            out.write(wire[i]);
        }
        return out.toByteArray();
    }

    /** A connection that hands out 1 to 9000 bytes per read. */
    private static final class ShortReads extends InputStream {
        private final ByteArrayInputStream in;
        private final SplittableRandom random;

        ShortReads(byte[] data, SplittableRandom random) {
            this.in = new ByteArrayInputStream(data);
            this.random = random;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, 1 + random.nextInt(random.nextBoolean() ? 16 : 9000)));
        }
    }
}
