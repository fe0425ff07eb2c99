package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class T02_SmtpIntakeDeliveredTest extends ScenarioBase {
    @Test
    void smtpMessage_isDeliveredVerbatim() throws Exception {
        domainWithMx("example.test");
        startService();
        String raw = "From: app@sender.test\r\nTo: bob@example.test\r\nSubject: receipt\r\nMessage-ID: <t02@sender.test>\r\n\r\nthanks\r\n";
        String reply;
        try (var w = new dev.rebound.server.testing.SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO app.sender.test\r\n");
            w.send("MAIL FROM:<app@sender.test>\r\n");
            w.send("RCPT TO:<bob@example.test>\r\n");
            w.send("DATA\r\n");
            reply = w.send(raw + ".\r\n");
        }
        Matcher m = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$").matcher(reply);
        assertThat(m.matches()).as(reply).isTrue();
        String id = m.group(1);

        h.service.scheduler().runOnce();

        assertThat(mx.received()).singleElement().satisfies(r -> {
            assertThat(r.messageId()).hasValue("<t02@sender.test>");
            assertThat(r.text()).isEqualTo(raw);
        });
        var rcpt = recipient(id, "bob@example.test");
        assertThat(rcpt.get("state").asString()).isEqualTo("DELIVERED");
        assertThat(rcpt.get("attempts").get(0).get("smtp_code").asInt()).isEqualTo(250);
    }
}
