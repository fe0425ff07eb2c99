package dev.rebound.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.SmtpWire;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * RFC 6409 §8.3 at intake: a submitted message without Message-ID gets one prepended line, every other byte
 * verbatim, and the stored message_id_header is that id; a message with one is delivered byte for byte.
 */
class T11_HeaderCompletionTest extends ScenarioBase {
    private static final Pattern MESSAGE_ID_LINE = Pattern.compile("(?im)^Message-ID:");

    private String submitOverSmtp(String raw) throws Exception {
        String reply;
        try (var w = new SmtpWire(h.service.smtpPort())) {
            w.reply();
            w.send("EHLO app.sender.test\r\n");
            w.send("MAIL FROM:<app@sender.test>\r\n");
            w.send("RCPT TO:<bob@example.test>\r\n");
            w.send("DATA\r\n");
            reply = w.send(raw + ".\r\n");
        }
        Matcher m = Pattern.compile("^250 2\\.0\\.0 queued as (\\w+)$").matcher(reply);
        assertThat(m.matches()).as(reply).isTrue();
        return m.group(1);
    }

    @Test
    void smtpWithoutMessageId_getsExactlyOne_restVerbatim() throws Exception {
        domainWithMx("example.test");
        startService(Map.of("REBOUND_DELIVERY_HELO_NAME", "mta.rebound.test"));
        String raw = "From: app@sender.test\r\nTo: bob@example.test\r\nSubject: no id\r\n\r\nMessage-ID: <in-body@x>\r\n";
        String id = submitOverSmtp(raw);
        h.service.scheduler().runOnce();

        assertThat(mx.received()).hasSize(1);
        FakeMx.Received got = mx.received().getFirst();
        String text = got.text();
        String added = got.messageId().orElseThrow();
        assertThat(added).matches("<[0-9a-f-]{36}@mta\\.rebound\\.test>");
        // one in the header block (the body's look-alike line is not a header and is kept as it was)
        assertThat(text.substring(0, text.indexOf("\r\n\r\n"))).satisfies(head ->
                assertThat(MESSAGE_ID_LINE.matcher(head).results().count()).as(head).isEqualTo(1));
        assertThat(text).isEqualTo("Message-ID: " + added + "\r\n" + raw);
        // The stored message carries the added id, so evidence can match it by Message-ID.
        assertThat(status(id).get("message_id_header").asString()).isEqualTo(added);
    }

    @Test
    void smtpWithMessageId_isDeliveredByteForByte() throws Exception {
        domainWithMx("example.test");
        startService();
        String raw = "From: app@sender.test\r\nTo: bob@example.test\r\nmessage-id:\r\n <keep@sender.test>\r\n\r\nbody\r\n";
        String id = submitOverSmtp(raw);
        h.service.scheduler().runOnce();
        assertThat(mx.received()).singleElement().satisfies(r -> assertThat(r.text()).isEqualTo(raw));
        assertThat(status(id).get("message_id_header").asString()).isEqualTo("<keep@sender.test>");
    }

    @Test
    void rawHttpWithoutMessageId_getsOne_andTheViewShowsIt() throws Exception {
        domainWithMx("example.test");
        startService();
        var r = h.post("/v1/messages", "{\"mail_from\":\"app@sender.test\",\"rcpt_to\":[\"bob@example.test\"],"
                + "\"raw\":\"Subject: lf only\\n\\nbody\\n\"}");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        String id = r.json().get("id").asString();
        String headerId = status(id).get("message_id_header").asString();
        assertThat(headerId).matches("<[0-9a-f-]{36}@.+>");
        h.service.scheduler().runOnce();
        // LF line endings in the submitted raw message: the added line ends with LF too; delivery makes it CRLF.
        assertThat(mx.received()).singleElement().satisfies(m -> assertThat(m.text())
                .isEqualTo("Message-ID: " + headerId + "\r\nSubject: lf only\r\n\r\nbody\r\n"));
    }
}
