package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;

/** The block reader of DATA against RFC 5321 §4.5.2 and SubEthaSMTP's byte-at-a-time streams. */
class DotTerminatedDataTest {

    /** Hands out at most {@code max} bytes per read, so blocks end at every possible place. */
    private static final class Trickle extends InputStream {
        private final InputStream in;
        private final Random random;
        private final int max;

        Trickle(byte[] data, long seed, int max) {
            this.in = new ByteArrayInputStream(data);
            this.random = new Random(seed);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, Math.min(len, 1 + random.nextInt(max)));
        }
    }

    private static byte[] readAll(InputStream in, Random readSizes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 + readSizes.nextInt(9000)];
        int n;
        while ((n = in.read(buf, 0, 1 + readSizes.nextInt(buf.length))) != -1) out.write(buf, 0, n);
        return out.toByteArray();
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void endsAtCrLfDotCrLf_unstuffsLeadingDots_leavesTheNextCommandUnread() throws IOException {
        byte[] wire = "Subject: x\r\n\r\n..one\r\n.two\r\nthree.\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII);
        BufferedInputStream session = new BufferedInputStream(new ByteArrayInputStream(wire), 8192);
        byte[] data = readAll(new DotTerminatedData(session), new Random(1));
        assertThat(ascii(data)).isEqualTo("Subject: x\r\n\r\n.one\r\ntwo\r\nthree.\r\n");
        assertThat(ascii(session.readAllBytes())).isEqualTo("QUIT\r\n");
    }

    @Test
    void bareLfBeforeDotIsData_notTheEnd() throws IOException {
        // "\n.\r\n" must not end the data (SMTP smuggling): only CRLF "." CRLF does.
        byte[] wire = "a\n.\r\nMAIL FROM:<x@y>\r\n\r\n.\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII);
        BufferedInputStream session = new BufferedInputStream(new ByteArrayInputStream(wire), 8192);
        assertThat(ascii(readAll(new DotTerminatedData(session), new Random(2)))).isEqualTo("a\n.\r\nMAIL FROM:<x@y>\r\n\r\n");
        assertThat(ascii(session.readAllBytes())).isEqualTo("NOOP\r\n");
    }

    @Test
    void emptyData_andEndOfStreamBeforeTheTerminatorIsAnError() throws IOException {
        BufferedInputStream empty = new BufferedInputStream(new ByteArrayInputStream(".\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(new DotTerminatedData(empty).read()).isEqualTo(-1);
        assertThat(ascii(empty.readAllBytes())).isEqualTo("QUIT\r\n");
        BufferedInputStream cut = new BufferedInputStream(new ByteArrayInputStream("abc\r\n.".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> readAll(new DotTerminatedData(cut), new Random(3))).isInstanceOf(EOFException.class);
    }

    @Test
    void firstLineDotIsUnstuffedToo() throws IOException {
        // RFC 5321 §4.5.2 applies to every line; SubEthaSMTP 7.2's stream leaves the first line's dot in place.
        BufferedInputStream session = new BufferedInputStream(new ByteArrayInputStream("..x\r\n.\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(ascii(readAll(new DotTerminatedData(session), new Random(4)))).isEqualTo(".x\r\n");
    }

    @Test
    void sameBytesAsSubEthaSmtpStreams_onRandomDataAcrossBlockBoundaries() throws IOException {
        byte[] alphabet = {'.', '.', '\r', '\n', '\r', '\n', 'a', 'b'};
        for (long seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write('a'); // SubEthaSMTP does not unstuff a dot on the first line (see firstLineDotIsUnstuffedToo)
            int size = r.nextInt(seed % 10 == 0 ? 40_000 : 600);
            for (int i = 0; i < size; i++) body.write(alphabet[r.nextInt(alphabet.length)]);
            // a well-formed end, then the next command, as a pipelining client sends it
            String tail = "\r\n.\r\nRSET\r\n";
            byte[] wire = (ascii(body.toByteArray()) + tail).getBytes(StandardCharsets.ISO_8859_1);

            BufferedInputStream ours = new BufferedInputStream(new Trickle(wire, seed, 1 + r.nextInt(50)), 8192);
            byte[] got = readAll(new DotTerminatedData(ours), r);
            String rest = ascii(ours.readAllBytes());

            BufferedInputStream theirs = new BufferedInputStream(new ByteArrayInputStream(wire), 8192);
            InputStream reference = new DotUnstuffingInputStream(new DotTerminatedInputStream(theirs));
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            int b;
            while ((b = reference.read()) != -1) expected.write(b);

            assertThat(ascii(got)).as("seed %d", seed).isEqualTo(ascii(expected.toByteArray()));
            assertThat(rest).as("seed %d", seed).isEqualTo(ascii(theirs.readAllBytes()));
        }
    }
}
