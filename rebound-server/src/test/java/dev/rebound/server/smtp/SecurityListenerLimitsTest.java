package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 finding 2 on real sockets against the real service: nobody can lock the listener out, and no client can
 * hold a connection forever. Clients outside the relay networks connect from other loopback addresses
 * (127.0.0.2, ...); 127.0.0.1 is the relay network. The limits are made small through the configuration; no
 * assertion is about speed: slow clients are told apart by what they were still doing when they were cut.
 */
@Tag("security")
class SecurityListenerLimitsTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;
    final List<SmtpWire> open = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (SmtpWire w : open) w.close();
        if (h != null) h.close();
    }

    private void start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("REBOUND_SMTP_RELAY_NETWORKS", "127.0.0.1/32"));
        env.putAll(extra);
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env);
    }

    private SmtpWire connect(String from) throws IOException {
        SmtpWire w = SmtpWire.from(from, h.service.smtpPort());
        open.add(w);
        return w;
    }

    private String submit(SmtpWire w) throws IOException {
        assertThat(w.send("EHLO client.test\r\n")).startsWith("250");
        assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
        assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
        assertThat(w.send("DATA\r\n")).startsWith("354");
        return w.send("Subject: hi\r\n\r\nhello\r\n.\r\n");
    }

    @Test
    void oneAddressHoldingIdleConnections_cannotLockOutARelayClient() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_MAX_CONNECTIONS", "8", "REBOUND_SMTP_LIMITS_MAX_CONNECTIONS_PER_CLIENT", "3",
                "REBOUND_SMTP_LIMITS_RESERVED_CONNECTIONS", "3"));
        for (int i = 0; i < 3; i++) assertThat(connect("127.0.0.2").reply()).startsWith("220");
        SmtpWire fourth = connect("127.0.0.2");
        assertThat(fourth.reply()).isEqualTo(ListenerReply.CONNECTIONS_PER_CLIENT.line("127.0.0.2", 3)).startsWith("421 4.7.0");
        assertThat(fourth.in.readLine()).as("closed").isNull();
        // A second address takes the rest of the unreserved room (8 - 3 = 5), a third finds it full.
        for (int i = 0; i < 2; i++) assertThat(connect("127.0.0.3").reply()).startsWith("220");
        assertThat(connect("127.0.0.3").reply()).isEqualTo(ListenerReply.CONNECTIONS_RESERVED.line(3, 8)).startsWith("421 4.3.2");
        assertThat(connect("127.0.0.4").reply()).startsWith("421 4.3.2");
        // The relay client still gets in and submits, on the reserved room.
        SmtpWire relay = connect("127.0.0.1");
        assertThat(relay.reply()).startsWith("220");
        assertThat(submit(relay)).startsWith("250 2.0.0 queued as ");
        assertThat(connect("127.0.0.1").reply()).startsWith("220");
        assertThat(connect("127.0.0.1").reply()).startsWith("220");
        // 8 open: the total cap holds for everyone.
        assertThat(connect("127.0.0.1").reply()).isEqualTo(ListenerReply.CONNECTIONS_FULL.line(8)).startsWith("421 4.3.2");
        // A closed connection gives its room back.
        SmtpWire first = open.getFirst();
        assertThat(first.send("QUIT\r\n")).startsWith("221");
        assertThat(first.in.readLine()).isNull();
        String again = null;
        for (int i = 0; i < 50 && (again == null || !again.startsWith("220")); i++) {
            again = connect("127.0.0.1").reply();
            if (!again.startsWith("220")) Thread.sleep(20);
        }
        assertThat(again).startsWith("220");
    }

    @Test
    void noopAndRset_areCounted_andAMessageStartsTheCountAgain() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_MAX_JUNK_COMMANDS", "3"));
        SmtpWire w = connect("127.0.0.1");
        w.reply();
        assertThat(submit(w)).startsWith("250 2.0.0"); // EHLO: 1
        assertThat(w.send("NOOP\r\n")).startsWith("250"); // after the message: 1
        assertThat(w.send("RSET\r\n")).startsWith("250");
        assertThat(w.send("NOOP\r\n")).startsWith("250");
        assertThat(w.send("NOOP\r\n")).isEqualTo(ListenerReply.TOO_MANY_JUNK_COMMANDS.line(3)).startsWith("421 4.7.0");
        assertThat(w.in.readLine()).as("closed").isNull();
    }

    @Test
    void noopEveryFewHundredMilliseconds_doesNotKeepASessionForever() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "1s", "REBOUND_SMTP_LIMITS_MAX_SESSION_TIME", "2s"));
        SmtpWire w = connect("127.0.0.1");
        w.reply();
        String reply = "250";
        int noops = 0;
        // Each NOOP comes well within the idle timeout; only the session cap can end this.
        while (reply != null && reply.startsWith("250") && noops < 100) {
            Thread.sleep(250);
            reply = w.send("NOOP\r\n");
            noops++;
        }
        assertThat(reply).isEqualTo(ListenerReply.SESSION_TOO_LONG.line("2s")).startsWith("421 4.4.2");
        assertThat(w.in.readLine()).as("closed").isNull();
        assertThat(noops).isLessThan(100);
    }

    @Test
    void aSilentClient_isClosedAfterTheIdleTimeout_with421() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "700ms"));
        SmtpWire w = connect("127.0.0.2");
        assertThat(w.reply()).startsWith("220");
        assertThat(w.reply()).isEqualTo(ListenerReply.IDLE_TIMEOUT.line("700ms")).startsWith("421 4.4.2");
        assertThat(w.in.readLine()).isNull();
    }

    /**
     * Writes {@code piece} every {@code everyMillis} up to {@code times} times while another thread waits for the
     * reply; returns the reply and how many pieces had been written when it came (or -1 if all were written).
     */
    private record Cut(String reply, int piecesBefore) {}

    private Cut trickle(SmtpWire w, String piece, int everyMillis, int times) throws Exception {
        CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
            try {
                return w.reply();
            } catch (IOException e) {
                return "read failed: " + e.getMessage();
            }
        });
        for (int i = 0; i < times; i++) {
            if (reply.isDone()) return new Cut(reply.get(), i);
            try {
                w.out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
                w.out.flush();
            } catch (IOException closed) {
                return new Cut(reply.get(), i);
            }
            Thread.sleep(everyMillis);
        }
        return new Cut(reply.get(), -1);
    }

    @Test
    void aCommandTrickledAByteAtATime_doesNotExtendTheIdleTimeout() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "1s"));
        SmtpWire w = connect("127.0.0.2");
        w.reply();
        // 30 bytes at 200 ms: 6 s of a line that never ends; each byte is within the idle timeout of the last.
        Cut cut = trickle(w, "N", 200, 30);
        assertThat(cut.reply()).isEqualTo(ListenerReply.IDLE_TIMEOUT.line("1s"));
        assertThat(cut.piecesBefore()).as("cut while the client was still sending").isBetween(0, 29);
    }

    @Test
    void slowData_isCut_andNothingIsStored() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "1s", "REBOUND_SMTP_LIMITS_MIN_DATA_RATE", "1000"));
        SmtpWire fast = connect("127.0.0.1");
        fast.reply();
        assertThat(submit(fast)).as("a normal client is not affected").startsWith("250 2.0.0");
        SmtpWire w = connect("127.0.0.1");
        w.reply();
        w.send("EHLO client.test\r\n");
        w.send("MAIL FROM:<app@example.org>\r\n");
        w.send("RCPT TO:<bob@example.com>\r\n");
        assertThat(w.send("DATA\r\n")).startsWith("354");
        // 10 bytes every 100 ms is 100 octets/s, a tenth of the minimum; 40 pieces would take 4 s.
        Cut cut = trickle(w, "0123456789", 100, 40);
        assertThat(cut.reply()).isEqualTo(ListenerReply.DATA_TOO_SLOW.line(1000)).startsWith("421 4.4.2");
        assertThat(cut.piecesBefore()).as("cut while the client was still sending").isBetween(0, 39);
        assertThat(h.service.store().queueStats().depth()).as("only the fast client's message").isEqualTo(1);
    }

    @Test
    void dataThatKeepsTheRateButNeverEnds_isCutAtTheDataTimeout() throws Exception {
        start(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "5s", "REBOUND_SMTP_LIMITS_DATA_TIMEOUT", "1s",
                "REBOUND_SMTP_LIMITS_MIN_DATA_RATE", "1000"));
        SmtpWire w = connect("127.0.0.1");
        w.reply();
        w.send("EHLO client.test\r\n");
        w.send("MAIL FROM:<app@example.org>\r\n");
        w.send("RCPT TO:<bob@example.com>\r\n");
        assertThat(w.send("DATA\r\n")).startsWith("354");
        String line = "x".repeat(998) + "\r\n"; // 1,000 octets every 100 ms: ten times the minimum rate
        Cut cut = trickle(w, line, 100, 60);
        assertThat(cut.reply()).isEqualTo(ListenerReply.DATA_TIMEOUT.line("1s")).startsWith("421 4.4.2");
        assertThat(cut.piecesBefore()).isBetween(0, 59);
        assertThat(h.service.store().queueStats().depth()).isZero();
    }
}
