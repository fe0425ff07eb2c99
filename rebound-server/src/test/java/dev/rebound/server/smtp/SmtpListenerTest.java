package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import dev.rebound.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SMTP transcripts on a raw socket against the real listener and store. */
class SmtpListenerTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private void start(Map<String, String> env) {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, env);
    }

    private SmtpWire openTransaction(String rcpt) throws Exception {
        SmtpWire w = new SmtpWire(h.service.smtpPort());
        assertThat(w.reply()).startsWith("220");
        assertThat(w.send("EHLO client.test\r\n")).startsWith("250");
        assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
        assertThat(w.send("RCPT TO:<" + rcpt + ">\r\n")).startsWith("250");
        assertThat(w.send("DATA\r\n")).startsWith("354");
        return w;
    }

    @Test
    void data_250OnlyAfterCommit_messageIsInStore() throws Exception {
        start(Map.of());
        try (SmtpWire w = openTransaction("bob@example.com")) {
            String reply = w.send("Subject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\n..dot-stuffed\r\nbody\r\n.\r\n");
            assertThat(reply).startsWith("250 2.0.0 queued as ");
            Matcher m = Pattern.compile("queued as (\\w+)").matcher(reply);
            assertThat(m.find()).isTrue();
            // The 250 was written after the commit, so the message is readable the moment we have it.
            var view = h.service.store().message(m.group(1)).orElseThrow();
            assertThat(view.headerMessageId()).isEqualTo("<m1@example.org>");
            assertThat(view.source()).isEqualTo("smtp");
            assertThat(view.recipients()).singleElement().satisfies(r -> assertThat(r.address()).isEqualTo("bob@example.com"));
            assertThat(new String(h.service.store().content(m.group(1)).orElseThrow().raw(), StandardCharsets.US_ASCII))
                    .isEqualTo("Subject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\n.dot-stuffed\r\nbody\r\n");
            assertThat(w.send("QUIT\r\n")).startsWith("221");
        }
    }

    @Test
    void data_bareLf_521AndClose_nothingStored() throws Exception {
        start(Map.of());
        try (SmtpWire w = openTransaction("bob@example.com")) {
            // The classic smuggling probe: a bare-LF "end of data" followed by a second transaction.
            String reply = w.send("Subject: a\r\n\r\nhello\n.\r\nMAIL FROM:<ceo@victim.test>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
            assertThat(reply).isEqualTo(ListenerReply.BARE_LINE_ENDING.line());
            assertThat(reply).startsWith("521 5.5.2");
            assertThat(w.in.readLine()).as("connection closed after 521").isNull();
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void data_bareCr_521() throws Exception {
        start(Map.of());
        try (SmtpWire w = openTransaction("bob@example.com")) {
            assertThat(w.send("Subject: a\r\n\r\nhello\rworld\r\n.\r\n")).startsWith("521 5.5.2");
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void data_tooBig_552() throws Exception {
        start(Map.of("REBOUND_SMTP_MAX_MESSAGE_SIZE", "1KB"));
        try (SmtpWire w = openTransaction("bob@example.com")) {
            StringBuilder body = new StringBuilder("Subject: big\r\n\r\n");
            for (int i = 0; i < 40; i++) body.append("x".repeat(70)).append("\r\n");
            assertThat(w.send(body + ".\r\n")).isEqualTo(ListenerReply.MESSAGE_TOO_BIG.line(1024)).startsWith("552 5.3.4");
            // The session stays usable after a size refusal.
            assertThat(w.send("RSET\r\n")).startsWith("250");
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void rcpt_fromOutsideRelayNetworks_554() throws Exception {
        start(Map.of("REBOUND_SMTP_RELAY_NETWORKS", "10.0.0.0/8"));
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            assertThat(w.reply()).startsWith("220");
            assertThat(w.send("EHLO client.test\r\n")).startsWith("250");
            assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).isEqualTo(ListenerReply.RELAY_DENIED.line("127.0.0.1")).startsWith("554 5.7.1");
        }
    }

    @Test
    void rcpt_severalRecipients_oneMessage_andTheLimitIs452() throws Exception {
        start(Map.of("REBOUND_SMTP_MAX_RECIPIENTS", "2"));
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            w.send("MAIL FROM:<>\r\n");
            assertThat(w.send("RCPT TO:<a@example.com>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<b@example.net>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<c@example.net>\r\n")).isEqualTo(ListenerReply.TOO_MANY_RECIPIENTS.line(2));
            assertThat(w.send("DATA\r\n")).startsWith("354");
            String reply = w.send("Subject: two\r\n\r\nx\r\n.\r\n");
            Matcher m = Pattern.compile("queued as (\\w+)").matcher(reply);
            assertThat(m.find()).as(reply).isTrue();
            var view = h.service.store().message(m.group(1)).orElseThrow();
            assertThat(view.mailFrom()).isEmpty();
            assertThat(view.recipients()).extracting(r -> r.address()).containsExactly("a@example.com", "b@example.net");
        }
    }

    @Test
    void rcpt_badSyntax_501() throws Exception {
        start(Map.of());
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            w.send("MAIL FROM:<app@example.org>\r\n");
            assertThat(w.send("RCPT TO:<no-at-sign>\r\n")).startsWith("501 5.1.3");
        }
    }
}
