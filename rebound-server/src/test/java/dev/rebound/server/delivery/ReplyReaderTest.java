package dev.rebound.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading replies from a stream through the core parser: strict, with size caps (RFC 5321 §4.2). */
class ReplyReaderTest {
    private static SmtpReply read(String wire) throws IOException {
        return ReplyReader.read(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsMultiLineRepliesWithEnhancedCode() throws IOException {
        SmtpReply r = read("550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 https://support\r\n");
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.lines()).hasSize(2);
        assertThat(r.enhanced()).hasValueSatisfying(e -> assertThat(e.toString()).isEqualTo("5.1.1"));
        assertThat(read("250\r\n").lines()).containsExactly("");
        assertThat(read("452 mailbox 4.2.2 full\r\n").enhanced()).isEmpty();
        assertThat(read("250 ok\n").code()).isEqualTo(250); // liberal in what we accept: a bare LF ends a line
    }

    @Test
    void rejectsMalformedReplies() {
        assertThatThrownBy(() -> read("25 ok\r\n")).isInstanceOf(ProtocolException.class).hasMessageContaining("\"25 ok\"");
        assertThatThrownBy(() -> read("250-a\r\n251 b\r\n")).isInstanceOf(ProtocolException.class).hasMessageContaining("differs from 250");
        assertThatThrownBy(() -> read("250 o\rk\r\n")).isInstanceOf(ProtocolException.class).hasMessageContaining("bare CR");
        assertThatThrownBy(() -> read("250xok\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("150 ok\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("250 " + "x".repeat(SmtpReplyParser.MAX_LINE_OCTETS) + "\r\n"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> read("250-x\r\n".repeat(SmtpReplyParser.MAX_LINES + 1))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("250-x\r\n")).isInstanceOf(EOFException.class);
    }
}
