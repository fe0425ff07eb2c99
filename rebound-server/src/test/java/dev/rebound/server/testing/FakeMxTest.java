package dev.rebound.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake MX on a raw socket: scripted replies by command, recording of messages and transcript. */
class FakeMxTest {
    private final FakeMx mx = FakeMx.start();

    @AfterEach
    void close() {
        mx.close();
    }

    private static String reply(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        String l;
        do {
            l = in.readLine();
            sb.append(l).append('\n');
        } while (l.charAt(3) == '-');
        return sb.toString().trim();
    }

    @Test
    void scriptedRepliesByCommandOrdinalAndDataEnd() throws IOException {
        mx.script().reply("RCPT TO:<a@x.test>", "550 5.1.1 no such user").reply("RCPT#2", "452 4.2.2 full")
                .reply(".", "451 4.3.0 later");
        try (Socket s = new Socket("127.0.0.1", mx.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(reply(in)).startsWith("220 ");
            out.write("EHLO me\r\n".getBytes());
            assertThat(reply(in)).contains("250-PIPELINING").contains("SIZE 10485760");
            out.write("MAIL FROM:<s@me.test>\r\n".getBytes());
            assertThat(reply(in)).startsWith("250");
            out.write("RCPT TO:<a@x.test>\r\n".getBytes());
            assertThat(reply(in)).isEqualTo("550 5.1.1 no such user");
            out.write("RCPT TO:<b@x.test>\r\n".getBytes());
            assertThat(reply(in)).isEqualTo("452 4.2.2 full");
            out.write("RCPT TO:<c@x.test>\r\n".getBytes());
            assertThat(reply(in)).startsWith("250");
            out.write("DATA\r\n".getBytes());
            assertThat(reply(in)).startsWith("354");
            out.write("Message-ID: <m1@me.test>\r\n\r\n..dot\r\n.\r\n".getBytes());
            assertThat(reply(in)).isEqualTo("451 4.3.0 later");
            out.write("QUIT\r\n".getBytes());
            assertThat(reply(in)).startsWith("221");
        }
        assertThat(mx.received()).isEmpty();
        FakeMx.Received r = mx.receivedAll().getFirst();
        assertThat(r.recipients()).containsExactly("c@x.test");
        assertThat(r.text()).isEqualTo("Message-ID: <m1@me.test>\r\n\r\n.dot\r\n");
        assertThat(r.messageId()).contains("<m1@me.test>");
        assertThat(mx.transcript()).containsSubsequence("C: RCPT TO:<a@x.test>", "S: 550 5.1.1 no such user",
                "C: DATA", "C: .", "S: 451 4.3.0 later");
        assertThat(mx.pipelinedCommands()).isZero();
    }

    @Test
    void countsPipelinedCommandsAndDrops() throws IOException {
        mx.script().drop("DATA");
        try (Socket s = new Socket("127.0.0.1", mx.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO me\r\n".getBytes());
            reply(in);
            out.write("MAIL FROM:<>\r\nRCPT TO:<a@x.test>\r\nDATA\r\n".getBytes());
            assertThat(reply(in)).startsWith("250");
            assertThat(reply(in)).startsWith("250");
            assertThat(in.readLine()).isNull(); // dropped instead of 354
        }
        assertThat(mx.pipelinedCommands()).isEqualTo(2);
    }
}
