package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `rebound sink` on a real socket: a raw SMTP client sends to it; transcripts are checked line by line. */
class SinkCommandTest {

    /** A tiny SMTP client: sends each command and returns the last line of each reply (greeting first). */
    private static java.util.List<String> converse(int port, String... commands) throws Exception {
        var replies = new java.util.ArrayList<String>();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            replies.add(readReply(in));
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                replies.add(readReply(in));
            }
        }
        return replies;
    }

    private static String readReply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
            if (line == null) return "<closed>";
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static final String MESSAGE = "From: a@example.org\r\nTo: b@sink.test\r\nMessage-ID: <m1@example.org>\r\n"
            + "Subject: hi\r\n\r\nhello\r\n.";

    @Test
    void acceptsCountsAndPrintsTheEnvelope() throws Exception {
        StringWriter printed = new StringWriter();
        try (var sink = SinkCommand.start("127.0.0.1:0", null, false, new PrintWriter(printed))) {
            var r = converse(sink.port(), "EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@sink.test>",
                    "RCPT TO:<c@sink.test>", "DATA", MESSAGE, "QUIT");
            assertThat(r.get(0)).startsWith("220 ");
            assertThat(r.subList(1, 5)).allMatch(x -> x.startsWith("250"));
            assertThat(r.get(5)).startsWith("354");
            assertThat(r.get(6)).isEqualTo("250 2.0.0 Ok: discarded (message 1)");
            assertThat(r.get(7)).startsWith("221");
            assertThat(sink.messages.get()).isEqualTo(1);
            assertThat(sink.recipients.get()).isEqualTo(2);
            assertThat(sink.summary()).isEqualTo("1 messages, 2 recipients received");
        }
        assertThat(printed.toString().strip())
                .startsWith("#1 from=<a@example.org> to=<b@sink.test>,<c@sink.test> size=")
                .endsWith(" message-id=<m1@example.org>");
    }

    @Test
    void replyOption_answersEveryRcptWithIt() throws Exception {
        try (var sink = SinkCommand.start("127.0.0.1:0", "550 5.1.1 No such user", false, null)) {
            var r = converse(sink.port(), "EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@sink.test>", "QUIT");
            assertThat(r.get(3)).isEqualTo("550 5.1.1 No such user");
            assertThat(sink.refused.get()).isEqualTo(1);
            assertThat(sink.messages.get()).isZero();
        }
    }

    @Test
    void refusesNonLoopbackAndMalformedOptions_quotingThem() {
        assertThatThrownBy(() -> SinkCommand.start("0.0.0.0:2526", null, false, null))
                .hasMessageContaining("\"0.0.0.0:2526\" is not a loopback address").hasMessageContaining("--allow-remote");
        assertThatThrownBy(() -> SinkCommand.start("127.0.0.1", null, false, null))
                .hasMessageContaining("--listen \"127.0.0.1\" is not HOST:PORT");
        assertThatThrownBy(() -> SinkCommand.start("127.0.0.1:0", "No such user", false, null))
                .hasMessageContaining("--reply \"No such user\" is not an SMTP reply");

        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("sink", "--listen", "0.0.0.0:0")).isEqualTo(2);
        assertThat(err.toString()).contains("rebound sink: --listen \"0.0.0.0:0\" is not a loopback address");
    }

    @Test
    void help_describesTheOptionsTheReadmeUses() {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("sink", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: rebound sink", "--listen=HOST:PORT", "127.0.0.1:2526", "--reply=REPLY",
                "--print", "--allow-remote");
        StringWriter top = new StringWriter();
        cl.setOut(new PrintWriter(top));
        cl.execute("--help");
        assertThat(top.toString()).contains("sink");
    }
}
