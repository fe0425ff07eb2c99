package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.SmtpWire;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A message delivered to the fake MX, then a DSN for it arriving by SMTP at the VERP bounce address, from a client
 * outside the relay networks: the recipient ends BOUNCED_HARD with the DSN as evidence, the address is suppressed
 * for the stream, and the same DSN received again counts once. An ARF complaint at the plain bounce address,
 * matched by the original Message-ID, ends as COMPLAINT.
 */
class T10_DsnAfterDeliveryTest extends ScenarioBase {
    static final String BOUNCES = "bounces.rebound.test";

    /** An RFC 3464 DSN as Postfix writes it (corpus lhost-postfix style), about {@code rcpt} and {@code messageId}. */
    static String dsn(String rcpt, String messageId) {
        return "Return-Path: <>\r\n"
                + "Received: by mx1.example.test (Postfix) id 4A1B2C3D4E; Wed,  1 Apr 2026 08:05:00 +0000 (UTC)\r\n"
                + "Date: Wed,  1 Apr 2026 08:05:00 +0000 (UTC)\r\n"
                + "From: MAILER-DAEMON@mx1.example.test (Mail Delivery System)\r\n"
                + "Subject: Undelivered Mail Returned to Sender\r\n"
                + "To: bounces@" + BOUNCES + "\r\n"
                + "Auto-Submitted: auto-replied\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"4A1B2C3D4E.1775030700/mx1.example.test\"\r\n"
                + "Message-Id: <20260401080500.4A1B2C3D4E@mx1.example.test>\r\n"
                + "\r\n"
                + "This is a MIME-encapsulated message.\r\n"
                + "\r\n"
                + "--4A1B2C3D4E.1775030700/mx1.example.test\r\n"
                + "Content-Description: Notification\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is the mail system at host mx1.example.test.\r\n"
                + "\r\n"
                + "I'm sorry to have to inform you that your message could not\r\n"
                + "be delivered to one or more recipients. It's attached below.\r\n"
                + "\r\n"
                + "<" + rcpt + ">: host store.example.test[192.0.2.25] said: 550 5.1.1\r\n"
                + "    <" + rcpt + ">: Recipient address rejected: User unknown in local\r\n"
                + "    recipient table (in reply to RCPT TO command)\r\n"
                + "\r\n"
                + "--4A1B2C3D4E.1775030700/mx1.example.test\r\n"
                + "Content-Description: Delivery report\r\n"
                + "Content-Type: message/delivery-status\r\n"
                + "\r\n"
                + "Reporting-MTA: dns; mx1.example.test\r\n"
                + "X-Postfix-Queue-ID: 4A1B2C3D4E\r\n"
                + "Arrival-Date: Wed,  1 Apr 2026 08:00:01 +0000 (UTC)\r\n"
                + "\r\n"
                + "Final-Recipient: rfc822; " + rcpt + "\r\n"
                + "Original-Recipient: rfc822;" + rcpt + "\r\n"
                + "Action: failed\r\n"
                + "Status: 5.1.1\r\n"
                + "Remote-MTA: dns; store.example.test\r\n"
                + "Diagnostic-Code: smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User\r\n"
                + "    unknown in local recipient table\r\n"
                + "\r\n"
                + "--4A1B2C3D4E.1775030700/mx1.example.test\r\n"
                + "Content-Description: Undelivered Message Headers\r\n"
                + "Content-Type: text/rfc822-headers\r\n"
                + "\r\n"
                + "From: app@sender.test\r\n"
                + "To: " + rcpt + "\r\n"
                + "Subject: Your code\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + "--4A1B2C3D4E.1775030700/mx1.example.test--\r\n";
    }

    /** An RFC 5965 ARF report (corpus arf style) about {@code rcpt} and {@code messageId}. */
    static String arf(String rcpt, String messageId) {
        return "From: fbl@isp.example.test\r\n"
                + "To: bounces@" + BOUNCES + "\r\n"
                + "Date: Wed, 1 Apr 2026 09:00:00 +0000\r\n"
                + "Subject: Email Feedback Report\r\n"
                + "Message-ID: <fbl-1@isp.example.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=feedback-report; boundary=\"fbl\"\r\n"
                + "\r\n"
                + "--fbl\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is an email abuse report for an email message received from IP 192.0.2.10.\r\n"
                + "\r\n"
                + "--fbl\r\n"
                + "Content-Type: message/feedback-report\r\n"
                + "\r\n"
                + "Feedback-Type: abuse\r\n"
                + "User-Agent: ISP-FBL/1.0\r\n"
                + "Version: 1\r\n"
                + "Original-Mail-From: <bounces@" + BOUNCES + ">\r\n"
                + "Original-Rcpt-To: <" + rcpt + ">\r\n"
                + "Arrival-Date: Wed, 1 Apr 2026 08:00:05 +0000\r\n"
                + "Source-IP: 192.0.2.10\r\n"
                + "\r\n"
                + "--fbl\r\n"
                + "Content-Type: message/rfc822\r\n"
                + "\r\n"
                + "From: app@sender.test\r\n"
                + "To: " + rcpt + "\r\n"
                + "Subject: Your code\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + "123456\r\n"
                + "--fbl--\r\n";
    }

    private String sendBounce(String rcptTo, String email) throws Exception {
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            assertThat(w.reply()).startsWith("220");
            assertThat(w.send("EHLO mx1.example.test\r\n")).startsWith("250");
            assertThat(w.send("MAIL FROM:<>\r\n")).startsWith("250");
            // Not a relay client: an ordinary recipient is refused, the bounce address is accepted.
            assertThat(w.send("RCPT TO:<someone@elsewhere.test>\r\n")).startsWith("554 5.7.1");
            assertThat(w.send("RCPT TO:<" + rcptTo + ">\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            String reply = w.send(email + ".\r\n");
            w.send("QUIT\r\n");
            return reply;
        }
    }

    @Test
    void dsnAfterDelivery_bouncedHard_withEvidence_suppressed_once() throws Exception {
        domainWithMx("example.test");
        startService(Map.of("REBOUND_BOUNCES_DOMAIN", BOUNCES, "REBOUND_SMTP_RELAY_NETWORKS", "192.0.2.0/24"));
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"alice@example.test\"],\"subject\":\"Your code\",\"text\":\"123456\"}");
        h.service.scheduler().runOnce();
        JsonNode r = recipient(id, "alice@example.test");
        assertThat(r.get("state").asString()).isEqualTo("DELIVERED");
        FakeMx.Received got = mx.received().getFirst();
        String verp = "bounces+" + r.get("id").asString() + "@" + BOUNCES;
        assertThat(got.mailFrom()).isEqualTo(verp);
        String messageId = got.messageId().orElseThrow();

        clock.advance(java.time.Duration.ofMinutes(5));
        String reply = sendBounce(verp, dsn("alice@example.test", messageId));
        assertThat(reply).startsWith("250 2.0.0 bounce received: bounces, 1 record(s), 0 duplicate(s)");

        r = recipient(id, "alice@example.test");
        assertThat(r.get("state").asString()).isEqualTo("BOUNCED_HARD");
        assertThat(r.get("reason").asString()).isEqualTo("userunknown");
        assertThat(r.get("rule").asString()).isEqualTo("evidence.late-failure");
        assertThat(r.get("attempts")).hasSize(1);
        JsonNode ev = r.get("evidence").get(0);
        assertThat(ev.get("source").asString()).isEqualTo("dsn");
        assertThat(ev.get("matched_by").asString()).isEqualTo("rebound-recipient-id");
        assertThat(ev.get("smtp_code").asInt()).isEqualTo(550);
        assertThat(ev.get("enhanced_code").asString()).isEqualTo("5.1.1");
        assertThat(ev.get("provider_event").asString()).isEqualTo("failed/5.1.1");
        assertThat(ev.get("message_id_header").asString()).isEqualTo(messageId.replaceAll("^<|>$", ""));
        assertThat(ev.get("raw_reason").asString()).contains("User");
        assertThat(ev.get("outcome").asString()).isEqualTo("BOUNCED_HARD");
        // one recipient of example.test in the breaker's window: a provisional review, suppressed when its hold ends
        assertThat(ev.get("suppression_rule").asString()).isEqualTo("suppress.provisional.hard");
        clock.advance(java.time.Duration.ofMinutes(15));
        assertThat(h.service.provisional().runOnce().suppressed()).isEqualTo(1);
        assertThat(h.service.store().suppression("alice@example.test", "transactional"))
                .hasValueSatisfying(s -> assertThat(s.evidenceRef()).isEqualTo(ev.get("id").asString()));

        // The same DSN again (a second MTA retry) is stored once.
        assertThat(sendBounce(verp, dsn("alice@example.test", messageId))).contains("1 duplicate(s)");
        assertThat(recipient(id, "alice@example.test").get("evidence")).hasSize(1);

        // The next message to alice on the stream is suppressed.
        var next = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"alice@example.test\"],\"text\":\"x\"}");
        assertThat(next.json().get("recipients").get(0).get("state").asString()).isEqualTo("SUPPRESSED");

        // The email itself was kept: replay parses it again with this build's parser and, the rules unchanged, finds nothing
        // to change (the DSN record decided again, its classification the same).
        var replay = h.post("/v1/replay", "{\"since\":\"" + clock.instant().minus(java.time.Duration.ofDays(1)) + "\"}");
        assertThat(replay.status()).as(replay.raw().body()).isEqualTo(200);
        JsonNode report = null;
        for (String line : replay.raw().body().split("\n")) {
            JsonNode n = tools.jackson.databind.json.JsonMapper.builder().build().readTree(line);
            if (n.path("type").asString().equals("report")) report = n;
        }
        assertThat(report).as(replay.raw().body()).isNotNull();
        assertThat(report.get("evidence").asInt()).isEqualTo(1);
        assertThat(report.get("recipients_changed").asInt()).isZero();
        assertThat(report.get("suppressions")).isEmpty();
    }

    @Test
    void arfComplaint_atThePlainBounceAddress_matchedByMessageId_isComplaint() throws Exception {
        domainWithMx("example.test");
        startService(Map.of("REBOUND_BOUNCES_DOMAIN", BOUNCES, "REBOUND_SMTP_RELAY_NETWORKS", "192.0.2.0/24"));
        String id = postMessage("{\"from\":\"app@sender.test\",\"to\":[\"carol@example.test\"],\"subject\":\"Your code\",\"text\":\"123456\"}");
        h.service.scheduler().runOnce();
        String messageId = mx.received().getFirst().messageId().orElseThrow();

        clock.advance(java.time.Duration.ofHours(1));
        assertThat(sendBounce("bounces@" + BOUNCES, arf("carol@example.test", messageId))).startsWith("250 2.0.0 bounce received: complaint");

        JsonNode r = recipient(id, "carol@example.test");
        assertThat(r.get("state").asString()).isEqualTo("COMPLAINT");
        assertThat(r.get("rule").asString()).isEqualTo("evidence.complaint");
        JsonNode ev = r.get("evidence").get(0);
        assertThat(ev.get("matched_by").asString()).isEqualTo("message-id-header");
        assertThat(ev.get("provider_event").asString()).isEqualTo("feedback/abuse");
        assertThat(ev.get("outcome").asString()).isEqualTo("COMPLAINT");
        assertThat(h.service.store().suppression("carol@example.test", "transactional"))
                .hasValueSatisfying(s -> assertThat(s.ruleId()).isEqualTo("suppress.complaint"));
    }
}
