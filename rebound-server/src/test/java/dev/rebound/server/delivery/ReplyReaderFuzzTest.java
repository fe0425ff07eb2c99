package dev.rebound.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rebound.core.smtp.ReplyAccumulator;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer fuzz test of the delivery client's reply reader ({@link ReplyReader}, what a remote MX's bytes go through)
 * against the core {@link ReplyAccumulator}, the reference for RFC 5321 §4.2 and the line cap: whatever the server
 * sends, the reader returns the same replies in the same order and then fails exactly where the core refuses a
 * line ({@link ProtocolException}) or at the end of the stream ({@link EOFException}); no other exception. Seeds
 * (Postfix, Microsoft 365 and Gmail sessions, a line of exactly 2048 octets with its CRLF) are under
 * {@code src/test/resources/dev/rebound/server/delivery/ReplyReaderFuzzTestInputs/}.
 */
class ReplyReaderFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void readsWhatTheCoreReads(byte[] wire) throws IOException {
        List<SmtpReply> expected = new ArrayList<>();
        boolean refused = false;
        ReplyAccumulator acc = new ReplyAccumulator();
        for (int i = 0; i < wire.length && !refused; i++) {
            try {
                expected.addAll(acc.feed(wire, i, 1));
            } catch (SmtpReplyException e) {
                refused = true;
            }
        }

        List<SmtpReply> got = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(wire);
        IOException end;
        while (true) {
            try {
                got.add(ReplyReader.read(in));
            } catch (EOFException | ProtocolException e) {
                end = e;
                break;
            }
        }
        assertThat(got).isEqualTo(expected);
        if (refused) assertThat(end).as("the core refused a line; the reader: %s", end.getMessage()).isInstanceOf(ProtocolException.class);
        else assertThat(end).as("the core refused nothing; the reader: %s", end.getMessage()).isInstanceOf(EOFException.class);
    }
}
