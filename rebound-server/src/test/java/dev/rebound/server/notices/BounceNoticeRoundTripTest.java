package dev.rebound.server.notices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.cli.Main;
import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounce notice round trip on real sockets: SMTP submission to Rebound's listener → 5xx at the recipient's fake MX
 * → an RFC 3464 notice through Rebound's own queue to the sender's fake MX → {@code rebound bounce parse} on the
 * bytes that MX received gives the same recipient, status and reason. And the loop rules: no notice for the null
 * reverse-path, for an auto-submitted message, or on a stream without notices.
 */
class BounceNoticeRoundTripTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T09:00:00Z"));
    FakeDns dns;
    FakeMx mx;
    ServiceHarness h;

    @BeforeEach
    void start() {
        dns = FakeDns.start();
        mx = FakeMx.start();
        dns.mx("example.test", 10, "mx1.example.test").a("mx1.example.test", "127.0.0.1");
        dns.mx("sender.test", 10, "mx1.sender.test").a("mx1.sender.test", "127.0.0.1");
        mx.script().reply("RCPT TO:<gone@example.test>", "550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
    }

    @AfterEach
    void stop() {
        if (h != null) h.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    void startService(String notices) {
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_DNS_SERVERS", "127.0.0.1:" + dns.port());
        env.put("REBOUND_DNS_TIMEOUT", "2s");
        env.put("REBOUND_DELIVERY_MX_PORT", String.valueOf(mx.port()));
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_BOUNCES_NOTICES", notices);
        h = ServiceHarness.withRealDelivery(dir, clock, false, env);
    }

    void submit(String mailFrom, String rcpt, String extraHeaders) throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO client.test\r\n");
            assertThat(w.send("MAIL FROM:<" + mailFrom + ">\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<" + rcpt + ">\r\n")).startsWith("250");
            w.send("DATA\r\n");
            String reply = w.send("From: App <app@sender.test>\r\nTo: " + rcpt + "\r\nSubject: your order\r\nMessage-ID: <order-1@sender.test>\r\n"
                    + extraHeaders + "\r\nhello\r\n.\r\n");
            assertThat(reply).startsWith("250");
        }
    }

    void runAll() {
        for (int i = 0; i < 4; i++) {
            h.service.scheduler().runOnce();
            h.service.notices().runOnce();
        }
    }

    List<FakeMx.Received> toSender() {
        return mx.received().stream().filter(r -> r.recipients().contains("app@sender.test")).toList();
    }

    @Test
    void hardBounce_noticeToTheSender_readBackByBounceParse() throws Exception {
        startService("transactional=failures");
        h.service.notices().runOnce(); // the cursor starts at the end of the outbox
        submit("app@sender.test", "gone@example.test", "");
        runAll();

        List<FakeMx.Received> notices = toSender();
        assertThat(notices).hasSize(1);
        FakeMx.Received n = notices.getFirst();
        assertThat(n.mailFrom()).as("null reverse-path (RFC 5321 4.5.5)").isEmpty();
        assertThat(n.text()).contains("Content-Type: multipart/report; report-type=delivery-status").contains("Auto-Submitted: auto-replied")
                .contains("Message-ID: <order-1@sender.test>");
        Path file = dir.resolve("notice.eml");
        Files.write(file, n.data());
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("bounce", "parse", file.toString())).isZero();
        JsonNode parsed = JSON.readTree(out.toString().strip());
        assertThat(parsed.get("recipient").asString()).isEqualTo("gone@example.test");
        assertThat(parsed.get("status").asString()).isEqualTo("5.1.1");
        assertThat(parsed.get("reason").asString()).isEqualTo("userunknown");
        assertThat(parsed.get("action").asString()).isEqualTo("failed");
        assertThat(parsed.get("replycode").asString()).isEqualTo("550");
        assertThat(parsed.get("messageid").asString()).contains("order-1@sender.test");
        // the same event never gives a second notice
        h.service.notices().runOnce();
        runAll();
        assertThat(toSender()).hasSize(1);
    }

    @Test
    void noNotice_forNullSender_autoSubmitted_orAStreamWithoutNotices() throws Exception {
        startService("transactional=failures");
        h.service.notices().runOnce();
        submit("", "gone@example.test", "");
        submit("app@sender.test", "gone@example.test", "Auto-Submitted: auto-generated\r\n");
        runAll();
        assertThat(toSender()).isEmpty();
        assertThat(mx.received()).isEmpty(); // both bounced at RCPT, nothing else was sent
    }

    @Test
    void offByDefault() throws Exception {
        startService("");
        h.service.notices().runOnce();
        submit("app@sender.test", "gone@example.test", "");
        runAll();
        assertThat(toSender()).isEmpty();
    }
}
