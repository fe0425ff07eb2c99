package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.store.MessageView;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 finding 4 on a real socket against the real listener and store: a refused DATA or BDAT ends the mail
 * transaction, so a client that ignores the reply to its next MAIL cannot get a later message sent to the earlier
 * recipient or with the earlier sender.
 */
@Tag("security")
class SecurityTransactionResetTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @BeforeEach
    void start() {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of("REBOUND_SMTP_MAX_MESSAGE_SIZE", "1KB"));
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private static String big() {
        return "Subject: big\r\n\r\n" + ("x".repeat(70) + "\r\n").repeat(40);
    }

    private MessageView stored(String reply) {
        Matcher m = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$").matcher(reply);
        assertThat(m.find()).as(reply).isTrue();
        return h.service.store().message(m.group(1)).orElseThrow();
    }

    @Test
    void afterA552ToData_theNextMessageGoesOnlyToItsOwnRecipient_withItsOwnSender() throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            assertThat(w.reply()).startsWith("220");
            assertThat(w.send("EHLO client.test\r\n")).startsWith("250");
            assertThat(w.send("MAIL FROM:<first@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<x@example.com>\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            assertThat(w.send(big() + ".\r\n")).startsWith("552 5.3.4");
            // The client goes on as if nothing happened (it would ignore a 503 here); the transaction is gone,
            // so its MAIL opens a new one.
            assertThat(w.send("MAIL FROM:<second@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<y@example.com>\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            MessageView m = stored(w.send("Subject: small\r\n\r\nhi\r\n.\r\n"));
            assertThat(m.mailFrom()).isEqualTo("second@example.org");
            assertThat(m.recipients()).extracting(r -> r.address()).containsExactly("y@example.com");
        }
        assertThat(h.service.store().queueStats().depth()).as("queued recipients in the whole store").isEqualTo(1);
    }

    @Test
    void afterA552_aClientThatSkipsMail_getsA503_andNothingIsQueued() throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            w.send("MAIL FROM:<first@example.org>\r\n");
            w.send("RCPT TO:<x@example.com>\r\n");
            w.send("DATA\r\n");
            assertThat(w.send(big() + ".\r\n")).startsWith("552 5.3.4");
            // No MAIL: the RCPT has no transaction to join, and DATA has none to send.
            assertThat(w.send("RCPT TO:<y@example.com>\r\n")).startsWith("503");
            assertThat(w.send("DATA\r\n")).isEqualTo(ListenerReply.NEED_MAIL.line());
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void afterA552ToBdat_theNextMessageGoesOnlyToItsOwnRecipient() throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            w.send("MAIL FROM:<first@example.org>\r\n");
            w.send("RCPT TO:<x@example.com>\r\n");
            String body = big();
            String half = body.substring(0, 1000), rest = body.substring(1000);
            assertThat(w.send("BDAT " + half.length() + "\r\n" + half)).isEqualTo(ListenerReply.BDAT_CHUNK_RECEIVED.line(1000));
            assertThat(w.send("BDAT " + rest.length() + " LAST\r\n" + rest)).startsWith("552 5.3.4");
            assertThat(w.send("MAIL FROM:<second@example.org>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<y@example.com>\r\n")).startsWith("250");
            String small = "Subject: small\r\n\r\nhi\r\n";
            MessageView m = stored(w.send("BDAT " + small.length() + " LAST\r\n" + small));
            assertThat(m.mailFrom()).isEqualTo("second@example.org");
            assertThat(m.recipients()).extracting(r -> r.address()).containsExactly("y@example.com");
            // The stored bytes are exactly the chunk (no dot-unstuffing in BDAT).
            assertThat(new String(h.service.store().content(m.id()).orElseThrow().raw(), java.nio.charset.StandardCharsets.US_ASCII))
                    .endsWith(small);
        }
        assertThat(h.service.store().queueStats().depth()).isEqualTo(1);
    }

    @Test
    void bdat_aCommandBetweenChunks_closesWithoutQueueing() throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            w.send("MAIL FROM:<first@example.org>\r\n");
            w.send("RCPT TO:<x@example.com>\r\n");
            assertThat(w.send("BDAT 4\r\nabcd")).startsWith("250");
            assertThat(w.send("RCPT TO:<y@example.com>\r\n")).isEqualTo(ListenerReply.BDAT_EXPECTED.line("RCPT TO:<y@example.com>"));
            assertThat(w.in.readLine()).as("connection closed").isNull();
        }
        assertThat(h.service.store().queueStats().depth()).isZero();
    }
}
