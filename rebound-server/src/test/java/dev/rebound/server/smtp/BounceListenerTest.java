package dev.rebound.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.intake.BounceSink;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.store.SqliteStore;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transcripts of the listener's bounce-address path on a real socket, with a recording {@link BounceSink}. */
class BounceListenerTest {
    @TempDir Path dir;
    SqliteStore store;
    SmtpListener listener;
    final List<String> received = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    final BounceSink sink = new BounceSink() {
        @Override
        public boolean isBounceAddress(String address) {
            return address.toLowerCase().endsWith("@bounces.rebound.test") && address.toLowerCase().startsWith("bounces");
        }

        @Override
        public String receive(String mailFrom, List<String> addresses, byte[] raw) {
            if (failing) throw new IllegalStateException("store down");
            received.add(mailFrom + "|" + addresses + "|" + new String(raw, StandardCharsets.US_ASCII));
            return "1 record(s)";
        }
    };

    @BeforeEach
    void start() {
        // 127.0.0.1 is NOT a relay client here: bounces come from anywhere.
        ReboundConfig cfg = ServiceHarness.config(dir, Map.of("REBOUND_SMTP_RELAY_NETWORKS", "10.0.0.0/8"));
        store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("l.db"), 1, Clock.systemUTC());
        listener = new SmtpListener(cfg.smtp(), new MessageIntake(store, () -> { }, "rebound.test"), sink, Clock.systemUTC());
        listener.start();
    }

    @AfterEach
    void stop() {
        listener.close();
        store.close();
    }

    private SmtpWire open() throws Exception {
        SmtpWire w = new SmtpWire(listener.port());
        assertThat(w.reply()).startsWith("220");
        assertThat(w.send("EHLO mx.example.test\r\n")).startsWith("250");
        assertThat(w.send("MAIL FROM:<>\r\n")).startsWith("250");
        return w;
    }

    @Test
    void bounceAddress_acceptedFromNonRelayClient_250AfterTheSinkReturned() throws Exception {
        try (SmtpWire w = open()) {
            assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("554 5.7.1");
            assertThat(w.send("RCPT TO:<bounces+abc123@Bounces.Rebound.Test>\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            assertThat(w.send("Subject: Undelivered\r\n\r\n..x\r\n.\r\n")).isEqualTo(ListenerReply.BOUNCE_ACCEPTED.line("1 record(s)"));
        }
        assertThat(received).containsExactly("|[bounces+abc123@Bounces.Rebound.Test]|Subject: Undelivered\r\n\r\n.x\r\n");
        assertThat(store.queueStats().depth()).as("a bounce is never queued for delivery").isZero();
    }

    @Test
    void sinkFailure_451_soTheSenderRetries() throws Exception {
        failing = true;
        try (SmtpWire w = open()) {
            assertThat(w.send("RCPT TO:<bounces@bounces.rebound.test>\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            assertThat(w.send("Subject: x\r\n\r\nx\r\n.\r\n")).isEqualTo(ListenerReply.STORE_UNAVAILABLE.line());
        }
    }

    @Test
    void bounceAndOtherRecipients_areNotMixed() throws Exception {
        ReboundConfig cfg = ServiceHarness.config(dir, Map.of());
        try (SmtpListener relay = new SmtpListener(cfg.smtp(), new MessageIntake(store, () -> { }, "rebound.test"), sink, Clock.systemUTC())) {
            relay.start();
            try (SmtpWire w = new SmtpWire(relay.port())) {
                w.reply();
                w.send("EHLO client.test\r\n");
                assertThat(w.send("MAIL FROM:<app@example.org>\r\n")).startsWith("250");
                assertThat(w.send("RCPT TO:<bob@example.com>\r\n")).startsWith("250");
                assertThat(w.send("RCPT TO:<bounces@bounces.rebound.test>\r\n"))
                        .isEqualTo(ListenerReply.BOUNCE_NOT_MIXED.line("bounces@bounces.rebound.test")).startsWith("452 4.5.3");
            }
        }
    }
}
